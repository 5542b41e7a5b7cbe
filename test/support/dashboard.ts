/**
 * `serin dashboard` as a person runs it, for the browser tests and the benchmark: its own process,
 * the URL read from what it prints; and the people who use it — ServiceAccounts with tokens from the
 * TokenRequest API and namespaced Roles that say what each may do with canaries. For the server's
 * own tests: the dashboard in-process, plain HTTP requests and event streams to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { pageShell } from '../../src/dashboard/assets.js';
import { startDashboard as startInProcessDashboard, type StartedDashboard } from '../../src/dashboard/dashboard.js';
import { parseDashboardFlags, type DashboardFlags } from '../../src/dashboard/settings.js';
import { loadKubeAccess } from '../../src/kube/kube-access.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually } from './cluster.js';
import type { Cleanups } from './browser.js';
import { startPrometheus, startRecordingServer } from './prometheus.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A running `serin dashboard`. */
export interface RunningDashboard {
  /** Where it listens, without path or token: `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The URL it printed: in local mode with its one-time `?token=`. */
  readonly printedUrl: string;
  /** Its stdout and stderr, as a file named in the test output. */
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Everything it printed so far (for assertion messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface DashboardOptions {
  /** `local` (the user's kubeconfig, one-time token) or `kubernetes` (`--auth kubernetes`: TokenReview, SubjectAccessReview). */
  readonly mode: 'local' | 'kubernetes';
  /** Default: $KUBECONFIG. In `kubernetes` mode this is the dashboard's own identity. */
  readonly kubeconfig?: string;
  /** More flags (e.g. `--namespace x`). */
  readonly args?: readonly string[];
  /** Names the log file. */
  readonly name?: string;
  /** How long to wait for the URL. Default 60 s (tsx compiles the sources on a cold start). */
  readonly startTimeoutMs?: number;
}

/** The printed URL: the local mode's `Serin dashboard: http://…`, else the first http URL on a line. */
const URL_LINE = /(https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d+(?:\/[^\s"']*)?)/;

/** The `serin dashboard` command line for `options`, on any free loopback port. */
export function dashboardArgs(options: DashboardOptions): string[] {
  const kubeconfig = options.kubeconfig ?? process.env.KUBECONFIG ?? '';
  return [
    'dashboard',
    '--kubeconfig',
    kubeconfig,
    '--port',
    '0',
    ...(options.mode === 'kubernetes' ? ['--auth', 'kubernetes', '--address', '127.0.0.1'] : []),
    ...(options.args ?? []),
  ];
}

/** Starts `serin dashboard` as its own process and waits until it prints where it listens; stopped with `t`. */
export async function startDashboard(t: Cleanups, options: DashboardOptions): Promise<RunningDashboard> {
  const logFile = join(tmpdir(), `serin-dashboard-${options.name ?? options.mode}-${process.pid}-${Date.now()}.log`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/serin.ts', ...dashboardArgs(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(logFile);
  let text = '';
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    out.end();
  };
  t.after(stop);
  const printedUrl = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`serin dashboard printed no URL in ${(options.startTimeoutMs ?? 60_000) / 1000} s:\n${text}`));
    }, options.startTimeoutMs ?? 60_000);
    const hear = (chunk: Buffer) => {
      out.write(chunk);
      text += chunk.toString();
      // Whole lines only: a chunk may end inside the URL.
      const url = URL_LINE.exec(text.slice(0, text.lastIndexOf('\n') + 1))?.[1];
      if (url) {
        clearTimeout(timer);
        done(url);
      }
    };
    child.stdout.on('data', hear);
    child.stderr.on('data', hear);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`serin dashboard exited (${code ?? signal}) before printing its URL:\n${text}`));
    });
  });
  const origin = new URL(printedUrl).origin.replace('0.0.0.0', '127.0.0.1');
  return { origin, printedUrl, logFile, child, output: () => text, stop };
}

/** What a Role lets its holder do with canaries.flagger.app in one namespace. */
export type CanaryVerbs = readonly ('get' | 'list' | 'watch' | 'patch' | 'update')[];

/** A viewer: sees the canaries, cannot act on them. */
export const VIEW: CanaryVerbs = ['get', 'list', 'watch'];
/** A release manager: may also patch (every action is an annotation). */
export const OPERATE: CanaryVerbs = ['get', 'list', 'watch', 'patch'];

/** A ServiceAccount the tests act as. */
export interface TestUser {
  readonly namespace: string;
  readonly name: string;
}

/** Creates ServiceAccount `namespace/name`, with no rights yet. */
export async function createServiceAccount(kc: KubeConfig, namespace: string, name: string): Promise<TestUser> {
  await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  return { namespace, name };
}

/**
 * Grants `user` the `verbs` on canaries.flagger.app in namespace `where` (a Role and its RoleBinding),
 * and read access to their Events.
 */
export async function grantCanaries(kc: KubeConfig, where: string, user: TestUser, verbs: CanaryVerbs): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = `${user.name}-canaries`;
  await rbac.createNamespacedRole({
    namespace: where,
    body: {
      metadata: { name },
      rules: [
        { apiGroups: ['flagger.app'], resources: ['canaries'], verbs: [...verbs] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: where,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: user.name, namespace: user.namespace }],
    },
  });
}

/**
 * A bearer token for `user` from the TokenRequest API (the API server's own audience, as a pod's
 * projected token gets), valid 1 h.
 */
export async function requestToken(kc: KubeConfig, user: TestUser): Promise<string> {
  const request = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: user.name,
    namespace: user.namespace,
    body: { spec: { expirationSeconds: 3600, audiences: ['https://kubernetes.default.svc.cluster.local'] } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ${user.namespace}/${user.name} returned no token`);
  return token;
}

/**
 * A person who may do `verbs` on the canaries of each namespace in `namespaces` (their ServiceAccount
 * lives in the first), and their bearer token.
 */
export async function userWithToken(
  kc: KubeConfig,
  name: string,
  namespaces: readonly string[],
  verbs: CanaryVerbs,
): Promise<string> {
  const home = namespaces[0];
  if (!home) throw new Error('userWithToken: at least one namespace');
  const user = await createServiceAccount(kc, home, name);
  for (const ns of namespaces) await grantCanaries(kc, ns, user, verbs);
  return requestToken(kc, user);
}

/** A Canary's `status.canaryWeight` as it arrived from a watch on the API server, with the time it arrived. */
export interface WeightChange {
  readonly t: number;
  readonly weight: number;
}

/**
 * Watches Canary `namespace/name` on the API server (a watch, not polling: the moment the change is
 * there) and appends each new `status.canaryWeight` to the returned list; stops with `t`.
 */
export function watchWeights(t: Cleanups, kc: KubeConfig, namespace: string, name: string): WeightChange[] {
  const changes: WeightChange[] = [];
  const abort = new AbortController();
  t.after(() => abort.abort());
  const path = `/apis/flagger.app/v1beta1/namespaces/${namespace}/canaries?watch=1&fieldSelector=metadata.name%3D${name}`;
  void new KubeRest(kc)
    .stream(
      path,
      (event) => {
        const weight = (event as { object?: { status?: { canaryWeight?: number } } }).object?.status?.canaryWeight;
        if (weight !== undefined && changes.at(-1)?.weight !== weight) changes.push({ t: Date.now(), weight });
      },
      abort.signal,
    )
    .catch(() => undefined);
  return changes;
}

/**
 * `fetch(path)` from inside the page, as its own script would send it: the session cookie, the
 * session's CSRF token (read from /api/session; left out with `csrf: false`) and, for a POST, a JSON
 * body. What a forged request from a page that has the session could do.
 */
export function fetchInPage(
  page: Page,
  path: string,
  options: { readonly method?: string; readonly csrf?: boolean } = {},
): Promise<{ status: number; body: string }> {
  const method = options.method ?? 'GET';
  return page.evaluate<{ status: number; body: string }>(`(async () => {
    const session = await fetch('/api/session').then((r) => r.json());
    const headers = { 'content-type': 'application/json' };
    if (${options.csrf !== false}) headers['x-csrf-token'] = session.csrfToken;
    const res = await fetch(${JSON.stringify(path)}, {
      method: ${JSON.stringify(method)},
      headers,
      ${method === 'GET' ? '' : "body: '{}',"}
    });
    return { status: res.status, body: await res.text() };
  })()`);
}

/**
 * A namespace named `name` when the cluster has none (a fresh `make test` cluster), so screenshots
 * show the same names run after run; else `name-<random>`. Deleted when `t` ends.
 */
export async function stableNamespace(t: Cleanups, kc: KubeConfig, name: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  let chosen = name;
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch {
    chosen = `${name}-${randomBytes(3).toString('hex')}`;
    await core.createNamespace({ body: { metadata: { name: chosen } } });
  }
  t.after(() => core.deleteNamespace({ name: chosen }).catch(() => undefined));
  return chosen;
}

/**
 * A real Prometheus scraping an exporter of two gauges, `success_rate` (near 99.6 %) and
 * `latency_p99` (near 190 ms), whose values step through a fixed wave at each scrape, so the check
 * charts have a shape and screenshots repeat. Returns Prometheus' URL once the first scrape is in.
 */
export async function metricsPrometheus(t: Cleanups): Promise<string> {
  let n = 0;
  const exporter = await startRecordingServer(() => {
    const wave = [0, 3, 1, 4, 2][n++ % 5] ?? 0;
    return {
      headers: { 'content-type': 'text/plain; version=0.0.4' },
      body:
        `# TYPE success_rate gauge\nsuccess_rate ${(99.4 + wave * 0.1).toFixed(1)}\n` +
        `# TYPE latency_p99 gauge\nlatency_p99 ${180 + wave * 6}\n`,
    };
  });
  t.after(() => exporter.close());
  const prometheus = await startPrometheus({ targets: [new URL(exporter.url).host] });
  t.after(() => prometheus.stop());
  await eventually('the first scrape of the exporter', async () => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=latency_p99`);
    return (await res.text()).includes('"result":[{') ? true : undefined;
  });
  return prometheus.url;
}

/** One answer of a dashboard over plain HTTP. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * One HTTP request to a dashboard, with the Host and every header as given; `localAddress` picks
 * the address the connection comes from (a peer that is not loopback, though it reaches 127.0.0.1).
 */
export function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((done, fail) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

/** One server-sent event of `/api/stream`, with the time it arrived. */
export interface SseFrame {
  readonly event: string;
  readonly data: unknown;
  readonly at: number;
}

/** An open `/api/stream`: every frame so far, in the order it came. */
export interface OpenStream {
  readonly frames: SseFrame[];
  /** The status the stream answered with. */
  readonly status: Promise<number>;
  close(): void;
}

/** Opens `url` as an event stream with `headers` and collects its frames until `t` ends (or close()). */
export function openStream(t: Cleanups, url: string, headers: Record<string, string>): OpenStream {
  const frames: SseFrame[] = [];
  let req: ClientRequest | undefined;
  const status = new Promise<number>((answered, fail) => {
    req = httpRequest(url, { headers }, (res) => {
      answered(res.statusCode ?? 0);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) frames.push({ event, data: JSON.parse(data) as unknown, at: Date.now() });
        }
      });
    });
    req.on('error', fail);
    req.end();
  });
  const close = () => req?.destroy();
  t.after(close);
  return { frames, status, close };
}

/** A running in-process dashboard (src/dashboard/dashboard.ts) with a stand-in page, and its base URL. */
export interface InProcessDashboard extends StartedDashboard {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
}

/**
 * Starts the dashboard in this process, as `serin dashboard <flags>` on any free port would, with a
 * stand-in bundle (the server's tests need no page) and the contract's 100 ms batching; stopped with `t`.
 */
export async function startInProcess(
  t: Cleanups,
  flags: DashboardFlags,
  kubeconfig = process.env.KUBECONFIG,
  options: { readonly firstListWaitMs?: number } = {},
): Promise<InProcessDashboard> {
  const parsed = parseDashboardFlags({ port: '0', ...flags });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const dashboard = await startInProcessDashboard(
    parsed.settings,
    pino({ level: 'warn' }),
    { assets: () => Promise.resolve({ js: 'export {};', css: 'body{}' }), shell: pageShell },
    { access: await loadKubeAccess(kubeconfig), stream: { flushMs: 100 }, ...options },
  );
  t.after(() => dashboard.stop());
  return { ...dashboard, base: dashboard.running.url };
}

/** A local-mode session: the cookie the one-time token became, and the session's CSRF token. */
export interface LocalSession {
  readonly cookie: string;
  readonly csrfToken: string;
}

/** Opens the URL a local-mode dashboard printed, as the person's browser does first, and keeps the session. */
export async function localSession(printedUrl: string): Promise<LocalSession> {
  const redeemed = await httpCall(printedUrl);
  if (redeemed.status !== 303) throw new Error(`the one-time token answered ${redeemed.status}: ${redeemed.body}`);
  const cookie = String(redeemed.headers['set-cookie']).split(';')[0] ?? '';
  const session = await httpCall(`${new URL(printedUrl).origin}/api/session`, { headers: { cookie } });
  return { cookie, csrfToken: (JSON.parse(session.body) as { csrfToken: string }).csrfToken };
}
