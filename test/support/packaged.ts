/**
 * Serin as a user gets it, built: the npm package (`npm pack`, then installed with --omit=dev) and
 * the OCI image (tools/image/build-oci.sh), both run on the Node pinned in tools/node/version. The
 * package and image tests share the commands that build them, the process that runs the operator
 * out of them, and the short release they play through it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { freshNamespace, testKubeConfig } from './cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from './fixtures.js';
import { appMeshWeights, canaryEvents, waitForPhase } from './operator.js';
import { apply, setImage } from './user.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
/** The Node every built artefact runs on (tools/node/version). */
export const NODE_VERSION = readFileSync(join(ROOT, 'tools/node/version'), 'utf8').trim();

/** Output of a finished command. */
export interface Finished {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` to its end. Its stderr (where the build scripts print their progress) is passed
 * through as it comes; a non-zero exit rejects with the command and its last lines.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return done({ stdout, stderr });
      const tail = (stdout + stderr).trimEnd().split('\n').slice(-30).join('\n');
      fail(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}:\n${tail}`));
    });
  });
}

/** The variables the image sets from tools/image/runtime.env (one NAME=value per line), by name. */
export function imageRuntimeEnv(): Record<string, string> {
  const lines = readFileSync(join(ROOT, 'tools/image/runtime.env'), 'utf8').split('\n').filter(Boolean);
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** The environment with the pinned Node first on PATH (tools/node/install.sh installs it when missing). */
export async function pinnedNodeEnv(): Promise<NodeJS.ProcessEnv> {
  const bin = (await run('bash', [join(ROOT, 'tools/node/install.sh')])).stdout.trim().split('\n').pop() ?? '';
  return { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
}

/** A long-running process whose output goes to a log file named in the test output; killed when the test ends. */
export interface LoggedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  /** Settles with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | string>;
}

export function startLogged(
  t: TestContext,
  name: string,
  command: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): LoggedProcess {
  const log = join(tmpdir(), `serin-${name}-${Date.now()}.log`);
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd ?? tmpdir() });
  const out = createWriteStream(log);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<number | string>((done) => {
    child.on('exit', (code, signal) => done(code ?? signal ?? ''));
    child.on('error', (err) => done(err.message));
  });
  t.diagnostic(`${name} process ${child.pid} log: ${log}`);
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const stuck = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(stuck);
  });
  return { name, child, log, exited };
}

/** Settles as `work` does, unless `proc` ends first: then fails with its exit and the tail of its log. */
export async function whileRunning<T>(proc: LoggedProcess, work: Promise<T>): Promise<T> {
  const ended = proc.exited.then(async (code) => {
    const tail = (await readFile(proc.log, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-20).join('\n');
    throw new Error(`${proc.name} ended (${code}) before the test was done; its log ends:\n${tail}`);
  });
  ended.catch(() => undefined);
  return Promise.race([work, ended]);
}

const NEW_IMAGE = 'registry.example.com/shop/account:1.1.0';

/**
 * Plays a short release on the test cluster through an operator that `startOperator` runs for a
 * fresh namespace (App Mesh, 1 s interval, two steps of 50 %): Initialized, a new image, Succeeded,
 * with the primary on the new image and all traffic back on it. Returns the Canary's events.
 */
export async function releaseThrough(
  t: TestContext,
  prefix: string,
  startOperator: (namespace: string) => LoggedProcess,
): Promise<string[]> {
  const kc = testKubeConfig();
  const ns = await freshNamespace(t, kc, prefix);
  await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
  await apply(
    seedLikeCanary(ns, 'account', { hpa: false, analysis: { interval: '1s', stepWeight: 50, maxWeight: 50 } }),
  );
  const operator = startOperator(ns);
  await whileRunning(operator, waitForPhase(ns, 'account', 'Initialized', 90_000));
  await setImage(ns, 'account', NEW_IMAGE);
  await whileRunning(operator, waitForPhase(ns, 'account', 'Succeeded', 90_000));
  const primary = await kc
    .makeApiClient(AppsV1Api)
    .readNamespacedDeployment({ name: 'account-primary', namespace: ns });
  assert.equal(primary.spec?.template.spec?.containers[0]?.image, NEW_IMAGE, 'the primary runs the new image');
  assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
  const events = await canaryEvents(ns, 'account');
  t.diagnostic(events.join('\n'));
  assert.ok(
    events.some((e) => e.includes(`Promotion completed! Scaling down account.${ns}`)),
    'the promotion is told as an event',
  );
  return events;
}
