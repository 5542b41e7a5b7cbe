/** Helpers of the load tester's tests: the service on loopback, real targets, requests as Flagger sends them. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { startLoadTester, type RunningLoadTester } from './server.js';
import { parseLoadTesterFlags } from './settings.js';

/** A log line (pino JSON). */
export type LogLine = Record<string, unknown> & { readonly msg: string };

export interface Tester extends RunningLoadTester {
  readonly logs: LogLine[];
}

/** The defaults commander hands over, before a test's flags. */
export const DEFAULT_FLAGS: Readonly<Record<string, unknown>> = Object.freeze({
  port: '0',
  address: '127.0.0.1',
  timeout: '1h',
  clusterDomain: 'cluster.local',
  allowTarget: ['127.0.0.1'],
  allowCommand: [],
  maxBodyBytes: '1048576',
  progressInterval: '10s',
  loadThreads: '0',
  logLevel: 'debug',
});

/** `serin loadtester` on loopback with `flags` over {@link DEFAULT_FLAGS}; stopped when `t` ends. */
export async function startTester(t: TestContext, flags: Record<string, unknown> = {}): Promise<Tester> {
  const parsed = parseLoadTesterFlags({ ...DEFAULT_FLAGS, ...flags });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const running = await startLoadTester({ log: pino({ level: 'debug' }, sink) }, parsed.settings);
  t.after(() => running.stop());
  return { ...running, logs };
}

/** A request a {@link Target} got. */
export interface Hit {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A loopback HTTP server that records every request and answers `status`. */
export interface Target {
  readonly url: string;
  readonly hits: Hit[];
  status: number;
}

export async function startTarget(t: TestContext, status = 200): Promise<Target> {
  const target: { url: string; hits: Hit[]; status: number } = { url: '', hits: [], status };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      target.hits.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(target.status, { 'content-type': 'text/plain' }).end(`answer ${target.hits.length}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return target;
}

/** POSTs `body` (JSON unless a string) to the load tester's `path`; the status and text. */
export async function post(
  tester: RunningLoadTester,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${tester.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** A payload as the operator sends it, for canary shop/account, with `metadata`. */
export function payload(metadata?: Record<string, string>, canary = { name: 'account', namespace: 'shop' }) {
  return { ...canary, phase: 'Progressing', checksum: 'abc', ...(metadata ? { metadata } : {}) };
}

/** The load tester's /metrics value for `name` summed over series carrying every given label. */
export async function metric(tester: RunningLoadTester, name: string, labels: Record<string, string> = {}) {
  const text = await (await fetch(`${tester.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** Polls `probe` every 20 ms until it is true, or fails naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
