import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import { alertMessage, receives } from './dispatcher.js';
import { globalNotifier } from './global.js';
import { chatRequest, type AlertMessage, type ChatTarget } from './payloads.js';

const message: AlertMessage = {
  subject: 'account.shop',
  text: 'Failed checks threshold reached 3',
  severity: 'error',
  fields: [{ name: 'Cluster', value: 'eks-prod' }],
};
const slack: ChatTarget = {
  type: 'slack',
  url: 'https://hooks.example.com/services/T0/B0/x',
  channel: 'releases',
  username: 'serin',
  token: 'xoxb-1',
};

test('Slack gets an attachment coloured by severity, with the fields, and the bearer token', () => {
  const req = chatRequest(slack, message);
  assert.equal(req.url, slack.url);
  assert.deepEqual(req.headers, { 'content-type': 'application/json', authorization: 'Bearer xoxb-1' });
  assert.deepEqual(req.body, {
    channel: 'releases',
    username: 'serin',
    icon_url: '',
    icon_emoji: ':rocket:',
    attachments: [
      {
        color: 'danger',
        author_name: 'account.shop',
        text: 'Failed checks threshold reached 3',
        mrkdwn_in: ['text'],
        fields: [{ title: 'Cluster', value: 'eks-prod', short: false }],
      },
    ],
  });
  const info = chatRequest(slack, { ...message, severity: 'info' }).body as { attachments: { color: string }[] };
  assert.equal(info.attachments[0]?.color, 'good');
});

test("Discord gets Slack's payload on its /slack endpoint; Rocket.Chat with its own colours", () => {
  const discord = chatRequest({ ...slack, type: 'discord', url: 'https://discord.com/api/webhooks/1/abc' }, message);
  assert.equal(discord.url, 'https://discord.com/api/webhooks/1/abc/slack');
  assert.equal(discord.headers.authorization, undefined, 'the token is for Slack only');
  assert.equal(
    chatRequest({ ...slack, type: 'discord', url: 'https://d.example/x/slack' }, message).url,
    'https://d.example/x/slack',
  );
  const rocket = chatRequest({ ...slack, type: 'rocket' }, { ...message, severity: 'warn' }).body as {
    attachments: { color: string }[];
  };
  assert.equal(rocket.attachments[0]?.color, '#0076D7');
});

test('MS Teams gets a MessageCard, Google Chat a card with one section per field', () => {
  const teams = chatRequest({ ...slack, type: 'msteams' }, message);
  assert.deepEqual(teams.body, {
    '@type': 'MessageCard',
    '@context': 'http://schema.org/extensions',
    themeColor: 'FF0000',
    summary: 'account.shop',
    sections: [
      {
        activityTitle: 'Failed checks threshold reached 3',
        activitySubtitle: 'account.shop',
        facts: [{ name: 'Cluster', value: 'eks-prod' }],
      },
    ],
  });
  const chat = chatRequest({ ...slack, type: 'gchat' }, message).body as {
    cards: { header: { subtitle: string }; sections: { widgets: { textParagraph: { text: string } }[] }[] }[];
  };
  assert.equal(chat.cards[0]?.header.subtitle, 'account.shop');
  assert.deepEqual(
    chat.cards[0]?.sections.map((s) => s.widgets[0]?.textParagraph.text),
    [
      '<font color=#848484><strong>Failed checks threshold reached 3</strong></font>',
      'Cluster<br><font color=#848484><strong>eks-prod</strong></font>',
    ],
  );
});

test('an alerts entry receives its severity and worse; an empty severity is info', () => {
  const route = (severity?: 'info' | 'warn' | 'error' | '') => ({
    name: 'x',
    providerRef: { name: 'p' },
    ...(severity === undefined ? {} : { severity }),
  });
  const table = (['', 'info', 'warn', 'error'] as const).map((wants) =>
    (['info', 'warn', 'error'] as const).map((sent) => receives(route(wants), sent)),
  );
  assert.deepEqual(table, [
    [true, true, true],
    [true, true, true],
    [false, true, true],
    [false, false, true],
  ]);
  assert.ok(receives(route(), 'info'));
});

test("metadata fields name the target, the threshold, the deadline and the plan, as Flagger's do", () => {
  const canary = (analysis: Record<string, unknown>, progressDeadlineSeconds?: number) =>
    ({
      metadata: { name: 'account', namespace: 'shop' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account-app' },
        ...(progressDeadlineSeconds === undefined ? {} : { progressDeadlineSeconds }),
        analysis: { interval: '1m', threshold: 3, ...analysis },
      },
    }) as unknown as Canary;
  const fields = (c: Canary) =>
    alertMessage(c, { severity: 'info', message: 'm', withMetadata: true }, 'eks').fields.map(
      (f) => `${f.name}: ${f.value}`,
    );
  assert.deepEqual(fields(canary({ stepWeight: 20, maxWeight: 80 }, 300)), [
    'Cluster: eks',
    'Target: Deployment/account-app.shop',
    'Failed checks threshold: 3',
    'Progress deadline: 300s',
    'Traffic routing: Weight step: 20 max: 80',
  ]);
  assert.equal(fields(canary({ stepWeights: [5, 25, 50] })).at(-1), 'Traffic routing: Weight steps: 5,25,50 max: 0');
  assert.equal(fields(canary({ iterations: 5 })).at(-1), 'Traffic routing: Blue/Green');
  assert.equal(fields(canary({ iterations: 5, match: [{ headers: {} }] })).at(-1), 'Traffic routing: A/B Testing');
  assert.equal(fields(canary({ stepWeight: 10 }))[3], 'Progress deadline: 600s');
  assert.deepEqual(alertMessage(canary({}), { severity: 'warn', message: 'm' }).fields, []);
});

test('an alert says threshold 1 when analysis.threshold is 0, negative or unset, as the engine counts', () => {
  const canary = (threshold?: number) =>
    ({
      metadata: { name: 'account', namespace: 'shop' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account-app' },
        analysis: { interval: '1m', stepWeight: 10, ...(threshold === undefined ? {} : { threshold }) },
      },
    }) as unknown as Canary;
  const threshold = (c: Canary) =>
    alertMessage(c, { severity: 'error', message: 'm', withMetadata: true }).fields.find(
      (f) => f.name === 'Failed checks threshold',
    )?.value;
  assert.equal(threshold(canary(0)), '1');
  assert.equal(threshold(canary(-2)), '1');
  assert.equal(threshold(canary()), '1');
  assert.equal(threshold(canary(5)), '5');
});

test('the global notifier: Teams wins, Slack needs a channel, a bad URL is reported', () => {
  const warnings: string[] = [];
  const warn = (w: string) => void warnings.push(w);
  const base = { slackUser: 'flagger' };
  assert.equal(globalNotifier(base, warn), undefined);
  assert.equal(globalNotifier({ ...base, slackUrl: 'https://hooks.example.com/x' }, warn), undefined);
  assert.match(warnings.at(-1) ?? '', /--slack-url is set but --slack-channel is empty: .*set --slack-channel/);
  assert.deepEqual(
    globalNotifier({ ...base, slackUrl: 'https://h.example/x', slackChannel: 'ops', slackToken: 't' }, warn),
    {
      type: 'slack',
      url: 'https://h.example/x',
      channel: 'ops',
      username: 'flagger',
      token: 't',
      proxy: undefined,
    },
  );
  const teams = globalNotifier(
    { ...base, slackUrl: 'https://h.example/x', slackChannel: 'ops', msteamsUrl: 'https://t.example/y' },
    warn,
  );
  assert.equal(teams?.type, 'msteams');
  assert.equal(globalNotifier({ ...base, msteamsUrl: 'not a url' }, warn), undefined);
  assert.match(warnings.at(-1) ?? '', /--msteams-url "not a url" is not a URL/);
});
