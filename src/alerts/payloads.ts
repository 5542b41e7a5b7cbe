/**
 * What each chat service receives for one alert (Flagger's payloads, spec §10.2): a JSON body for a
 * POST to the provider's webhook URL. Pure: the sender does the HTTP.
 */
import type { AlertProviderType } from '../api/index.js';

export type Severity = 'info' | 'warn' | 'error';

/** One alert as the engine raised it, with the fields Flagger adds (`Cluster`, metadata). */
export interface AlertMessage {
  /** `<canary>.<namespace>`. */
  readonly subject: string;
  readonly text: string;
  readonly severity: Severity;
  readonly fields: readonly { readonly name: string; readonly value: string }[];
}

/** Where and as whom to post. */
export interface ChatTarget {
  readonly type: AlertProviderType;
  readonly url: string;
  readonly channel: string;
  readonly username: string;
  /** Slack only: sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  readonly proxy?: string | undefined;
}

/** A request ready to send. */
export interface ChatRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The request for `message` to `target`. */
export function chatRequest(target: ChatTarget, message: AlertMessage): ChatRequest {
  const json = { 'content-type': 'application/json' };
  switch (target.type) {
    case 'slack':
      return {
        url: target.url,
        headers: target.token ? { ...json, authorization: `Bearer ${target.token}` } : json,
        body: slackPayload(target, message, message.severity === 'error' ? 'danger' : 'good'),
      };
    case 'discord':
      // Discord takes Slack's payload on its `/slack` endpoint.
      return {
        url: discordUrl(target.url),
        headers: json,
        body: slackPayload(target, message, message.severity === 'error' ? 'danger' : 'good'),
      };
    case 'rocket':
      return {
        url: target.url,
        headers: json,
        body: slackPayload(target, message, message.severity === 'error' ? '#FF0000' : '#0076D7'),
      };
    case 'msteams':
      return { url: target.url, headers: json, body: teamsPayload(message) };
    case 'gchat':
      return { url: target.url, headers: json, body: googleChatPayload(message) };
  }
}

function slackPayload(target: ChatTarget, message: AlertMessage, color: string) {
  return {
    channel: target.channel,
    username: target.username,
    icon_url: '',
    icon_emoji: ':rocket:',
    attachments: [
      {
        color,
        author_name: message.subject,
        text: message.text,
        mrkdwn_in: ['text'],
        fields: message.fields.map((f) => ({ title: f.name, value: f.value, short: false })),
      },
    ],
  };
}

function teamsPayload(message: AlertMessage) {
  return {
    '@type': 'MessageCard',
    '@context': 'http://schema.org/extensions',
    themeColor: message.severity === 'error' ? 'FF0000' : '0076D7',
    summary: message.subject,
    sections: [
      {
        activityTitle: message.text,
        activitySubtitle: message.subject,
        facts: message.fields.map((f) => ({ name: f.name, value: f.value })),
      },
    ],
  };
}

function googleChatPayload(message: AlertMessage) {
  const grey = (text: string) => `<font color=#848484><strong>${text}</strong></font>`;
  return {
    cards: [
      {
        header: { title: 'Flagger', subtitle: message.subject, imageUrl: 'https://flagger.app/favicon.png' },
        sections: [
          { widgets: [{ textParagraph: { text: grey(message.text) } }] },
          ...message.fields.map((f) => ({ widgets: [{ textParagraph: { text: `${f.name}<br>${grey(f.value)}` } }] })),
        ],
      },
    ],
  };
}

function discordUrl(url: string): string {
  return url.endsWith('/slack') ? url : `${url.replace(/\/+$/, '')}/slack`;
}
