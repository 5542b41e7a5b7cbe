/**
 * Go Flagger, built from its Go module by tools/gotools/build.sh (`make test` runs it), started as
 * the operator a team switches away from: one namespace, the test cluster's kubeconfig, its log in
 * a file named in the test output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { goToolBinary } from './gotools.js';

/** A TCP port nobody listens on right now (Flagger's -port cannot be 0). */
async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningFlagger {
  readonly child: ChildProcess;
  readonly log: string;
  /** Stops Flagger as scaling its Deployment to 0 would (SIGTERM), and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts Go Flagger on the test cluster, watching `namespace` only. */
export async function startFlagger(
  t: TestContext,
  namespace: string,
  meshProvider: string,
  extra: readonly string[] = [],
): Promise<RunningFlagger> {
  const log = join(tmpdir(), `flagger-${namespace}-${Date.now()}.log`);
  const args = [
    '-kubeconfig',
    process.env.KUBECONFIG ?? '',
    '-namespace',
    namespace,
    '-mesh-provider',
    meshProvider,
    '-metrics-server',
    'http://127.0.0.1:9',
    '-port',
    String(await freePort()),
    '-log-level',
    'debug',
    ...extra,
  ];
  const child = spawn(await goToolBinary('flagger', (line) => t.diagnostic(line)), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(log);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  t.diagnostic(`flagger process ${child.pid} log: ${log}`);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
