import { homedir } from 'node:os';
import { join } from 'node:path';

/** Settings the CLI takes from the environment. The only place `process.env` is read (house rule 2). */
export interface CliEnvironment {
  /** State folder of `serin dev-cluster`. Env SERIN_DEV_CLUSTER_DIR; default ~/.serin/dev-cluster. */
  readonly devClusterDir: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv): CliEnvironment {
  return {
    devClusterDir: env.SERIN_DEV_CLUSTER_DIR ?? join(homedir(), '.serin', 'dev-cluster'),
  };
}
