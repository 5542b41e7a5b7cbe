import type { ChatTarget } from './payloads.js';

/** The global notifier's settings, from `serin operator` flags and Flagger's environment variables. */
export interface GlobalNotifierSettings {
  readonly slackUrl?: string | undefined;
  readonly slackToken?: string | undefined;
  readonly slackProxyUrl?: string | undefined;
  readonly slackUser: string;
  readonly slackChannel?: string | undefined;
  readonly msteamsUrl?: string | undefined;
  readonly msteamsProxyUrl?: string | undefined;
}

/**
 * Where alerts of canaries without `analysis.alerts` go: MS Teams when its URL is set, else Slack
 * when its URL and channel are; otherwise nowhere. A setting that leaves a given URL unused is
 * reported through `warn` (Flagger drops it silently), so a missing channel does not go unnoticed.
 */
export function globalNotifier(s: GlobalNotifierSettings, warn: (message: string) => void): ChatTarget | undefined {
  const parses = (flag: string, url: string): boolean => {
    if (URL.canParse(url)) return true;
    warn(`${flag} "${url}" is not a URL; the global notifier is off until it is fixed`);
    return false;
  };
  if (s.msteamsUrl) {
    if (!parses('--msteams-url', s.msteamsUrl)) return undefined;
    return { type: 'msteams', url: s.msteamsUrl, channel: '', username: '', proxy: s.msteamsProxyUrl };
  }
  if (!s.slackUrl) return undefined;
  if (!parses('--slack-url', s.slackUrl)) return undefined;
  if (!s.slackChannel || !s.slackUser) {
    warn(
      `--slack-url is set but --slack-${s.slackChannel ? 'user' : 'channel'} is empty: global Slack alerts are off; set --slack-channel (and --slack-user) to send them`,
    );
    return undefined;
  }
  return {
    type: 'slack',
    url: s.slackUrl,
    channel: s.slackChannel,
    username: s.slackUser,
    token: s.slackToken,
    proxy: s.slackProxyUrl,
  };
}
