/**
 * A real Prometheus (Debian's `prometheus` package, /usr/bin/prometheus) for tests: on 127.0.0.1 at
 * a free port, with a fresh data folder, scraping the given targets every second. Started per test
 * file (it is ready in well under a second); `stop()` ends the process and removes its folder. Also a
 * recording loopback HTTP server, to stand in for the other metrics APIs or to sit in front of Prometheus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the Debian package installs the binary (tools/install-system-deps.sh installs it). */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

/** A running Prometheus. */
export interface TestPrometheus {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Stops the process and removes its data folder. */
  stop(): Promise<void>;
}

/** What to scrape. */
export interface PrometheusOptions {
  /** `host:port` targets, scraped every second at `metricsPath`. */
  readonly targets: readonly string[];
  /** Scrape (and evaluation) interval, e.g. `500ms`. Default `1s`. */
  readonly scrapeInterval?: string;
  /** Path of the exposition endpoint. Default `/metrics`. */
  readonly metricsPath?: string;
  /** How long to wait for `/-/ready`, in ms. Default 30 000. */
  readonly readyTimeoutMs?: number;
}

/** Starts Prometheus and waits until `/-/ready` answers 200; on failure the error carries the log tail. */
export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(`${PROMETHEUS_BINARY} is missing: run tools/install-system-deps.sh (Debian package prometheus)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'serin-prometheus-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, configText(options));
  const log: string[] = [];
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=1h',
      `--web.listen-address=127.0.0.1:${port}`,
      // Debian's defaults point these at /etc and /usr/share; a test needs none of them.
      `--web.console.templates=${dir}`,
      `--web.console.libraries=${dir}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const collect = (chunk: Buffer): void => {
    log.push(...chunk.toString().split('\n').filter(Boolean));
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, options.readyTimeoutMs ?? 30_000);
  } catch (err) {
    const tail = log.slice(-30).join('\n');
    await stop();
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\n--- prometheus log (last lines) ---\n${tail}`,
    );
  }
  return { url, stop };
}

function configText(options: PrometheusOptions): string {
  const targets = options.targets.map((t) => `'${t}'`).join(', ');
  return [
    'global:',
    `  scrape_interval: ${options.scrapeInterval ?? '1s'}`,
    `  scrape_timeout: ${options.scrapeInterval ?? '1s'}`,
    `  evaluation_interval: ${options.scrapeInterval ?? '1s'}`,
    'scrape_configs:',
    '  - job_name: serin-test',
    // The exporter writes kubernetes_namespace / kubernetes_pod_name itself; keep its labels as they are.
    '    honor_labels: true',
    `    metrics_path: '${options.metricsPath ?? '/metrics'}'`,
    '    static_configs:',
    `      - targets: [${targets}]`,
    '',
  ].join('\n');
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited || child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode ?? '?'}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.text();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`prometheus at ${url} was not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL when it has not exited after `graceMs`; resolves once it exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One request a {@link startRecordingServer} received. */
export interface SeenRequest {
  readonly method: string;
  /** Path and raw query string, exactly as sent. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What a {@link startRecordingServer} answers. */
export interface CannedAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Never answer (for timeouts). */
  readonly hang?: boolean;
}

/** A loopback HTTP(S) server that records every request and answers with `answer(request)`. */
export interface RecordingServer {
  readonly url: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 standing in for a metrics API (or, in front of a real Prometheus, for
 * an authenticating proxy). With `tls`, it serves HTTPS with that key and certificate.
 */
export async function startRecordingServer(
  answer: (request: SeenRequest) => CannedAnswer | Promise<CannedAnswer>,
  tls?: { readonly key: string; readonly cert: string },
): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://x');
      const request: SeenRequest = {
        method: req.method ?? '',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      void Promise.resolve(answer(request)).then((a) => {
        if (a.hang) return;
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
        res.end(a.body ?? '');
      });
    });
  };
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
