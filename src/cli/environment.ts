import { homedir } from 'node:os';
import { join } from 'node:path';

/** Settings the CLI takes from the environment. The only place `process.env` is read (house rule 2). */
export interface CliEnvironment {
  /** State folder of `serin dev-cluster`. Env SERIN_DEV_CLUSTER_DIR; default ~/.serin/dev-cluster. */
  readonly devClusterDir: string;
  /**
   * Flagger's environment overrides of the global notifier flags: SLACK_URL, SLACK_TOKEN,
   * SLACK_PROXY_URL, MSTEAMS_URL, MSTEAMS_PROXY_URL (set ones win over the flags, as in Flagger).
   */
  readonly notifier: {
    readonly slackUrl?: string | undefined;
    readonly slackToken?: string | undefined;
    readonly slackProxyUrl?: string | undefined;
    readonly msteamsUrl?: string | undefined;
    readonly msteamsProxyUrl?: string | undefined;
  };
}

export function readEnvironment(env: NodeJS.ProcessEnv): CliEnvironment {
  return {
    devClusterDir: env.SERIN_DEV_CLUSTER_DIR ?? join(homedir(), '.serin', 'dev-cluster'),
    notifier: {
      slackUrl: env.SLACK_URL || undefined,
      slackToken: env.SLACK_TOKEN || undefined,
      slackProxyUrl: env.SLACK_PROXY_URL || undefined,
      msteamsUrl: env.MSTEAMS_URL || undefined,
      msteamsProxyUrl: env.MSTEAMS_PROXY_URL || undefined,
    },
  };
}
