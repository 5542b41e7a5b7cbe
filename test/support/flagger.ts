/**
 * Go Flagger, built from its Go module by tools/flagger/build.sh (`make test` runs it), started as
 * the operator a team switches away from: one namespace, the test cluster's kubeconfig, its log in
 * a file named in the test output.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';

const BUILD_SCRIPT = resolve(import.meta.dirname, '../../tools/flagger/build.sh');
const execFileAsync = promisify(execFile);

/**
 * The Flagger binary. `make test` compiles it in the background (tools/flagger/build.sh
 * --background) while the first tests run: this waits for that build, and builds it here when no
 * build ran (a single test file run by hand). A failed build fails with the end of its log.
 */
export async function flaggerBinary(t: TestContext): Promise<string> {
  const bin = execFileSync('bash', [BUILD_SCRIPT, '--print-bin'], { encoding: 'utf8' }).trim();
  const dir = dirname(dirname(bin));
  const complete = () => existsSync(join(dir, '.complete')) && existsSync(bin);
  if (complete()) return bin;
  const pidFile = join(dir, 'build.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  if (!Number.isInteger(pid) || !alive(pid)) {
    t.diagnostic('building Go Flagger (tools/flagger/build.sh)');
    await execFileAsync('bash', [BUILD_SCRIPT], { maxBuffer: 64 * 1024 * 1024 });
    return bin;
  }
  const started = Date.now();
  while (!complete()) {
    if (!alive(pid) && !complete()) {
      const log = readFileSync(join(dir, 'build.log'), 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`the background Flagger build failed; end of ${join(dir, 'build.log')}:\n${log}`);
    }
    if (Date.now() - started > 20 * 60_000) throw new Error('the background Flagger build took over 20 minutes');
    await new Promise((done) => setTimeout(done, 2_000));
  }
  t.diagnostic(`waited ${Math.round((Date.now() - started) / 1000)} s for the background Flagger build`);
  return bin;
}

/** Is `pid` a running build script (not a process that reused the pid of a build long gone)? */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('flagger/build.sh');
  } catch {
    return false;
  }
}

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
  const child = spawn(await flaggerBinary(t), args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
