/**
 * The built-in HTTP load generator behind `hey` commands: `concurrency` workers on one undici
 * dispatcher (keep-alive connections, one request in flight per worker, as hey's workers do), each
 * sending its share of the requests or sending until the duration ends, optionally paced to a rate.
 * Every outcome goes to an observer (the Prometheus metrics) and into the run's report.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { LatencyHistogram } from './latency-histogram.js';
import { LoadErrorKind } from './metrics.js';

/** What to send, how often and for how long. */
export interface LoadPlan {
  readonly url: URL;
  /** HTTP method. hey's default: GET. */
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Workers, each with one request in flight, ≥ 1. */
  readonly concurrency: number;
  /** Requests in all (hey `-n`), shared evenly by the workers (the remainder is not sent, as in hey). Ignored with `durationMs`. */
  readonly requests: number;
  /** Send until this much time has passed (hey `-z`), ms; unset: until `requests` are sent. */
  readonly durationMs?: number | undefined;
  /** Requests per second of each worker (hey `-q`); 0: as fast as answers come. */
  readonly ratePerWorker: number;
  /** Longest wait for a response's headers and then for each part of its body, ms; 0: no limit. */
  readonly requestTimeoutMs: number;
  /** Reuse connections; false closes each after its request (hey `-disable-keepalive`). */
  readonly keepAlive: boolean;
}

/** Where every outcome is told as it happens. */
export interface LoadObserver {
  response(status: number, latencyMs: number): void;
  failure(kind: LoadErrorKind, latencyMs: number): void;
}

/** What a run did so far (live while it runs, final once it has ended). */
export interface LoadReport {
  /** Requests sent (answered or failed). */
  requests: number;
  /** Failed requests by kind (a 5xx answer counts under `status`). */
  readonly errors: Record<LoadErrorKind, number>;
  /** Answers by HTTP status. */
  readonly statuses: Map<number, number>;
  /** Failures without an answer by their error code (`ECONNREFUSED`, …), at most 20 distinct. */
  readonly failures: Map<string, number>;
  /** Latencies of every request, answered or not. */
  readonly latency: LatencyHistogram;
  /** When the run started (performance.now() ms). */
  readonly startedAt: number;
  /** How long it ran, ms; set when it ends. */
  elapsedMs: number;
}

const MAX_FAILURE_KINDS = 20;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A report of a run starting now. */
export function emptyReport(): LoadReport {
  return {
    requests: 0,
    errors: { network: 0, timeout: 0, status: 0 },
    statuses: new Map(),
    failures: new Map(),
    latency: new LatencyHistogram(),
    startedAt: performance.now(),
    elapsedMs: 0,
  };
}

/** What a load run offers whoever runs it: the live report, and the run itself. */
export interface LoadRunner {
  readonly report: LoadReport;
  run(signal: AbortSignal): Promise<LoadReport>;
}

/** One run of a plan on this thread; `report` is live. */
export class LoadRun implements LoadRunner {
  readonly report: LoadReport;
  /** The one request every worker sends. */
  readonly request: Dispatcher.DispatchOptions;
  private readonly senders: Sender[] = [];
  private stopped = false;

  constructor(
    private readonly deps: { readonly dispatcher: Dispatcher; readonly observer?: LoadObserver },
    private readonly plan: LoadPlan,
  ) {
    this.report = emptyReport();
    this.request = {
      origin: plan.url.origin,
      path: `${plan.url.pathname}${plan.url.search}`,
      method: plan.method,
      headers: plan.headers,
      ...(plan.body !== undefined ? { body: plan.body } : {}),
      headersTimeout: plan.requestTimeoutMs,
      bodyTimeout: plan.requestTimeoutMs,
      reset: !plan.keepAlive,
    };
  }

  /** Runs every worker until its share is sent, the duration has passed or `signal` aborts. */
  async run(signal: AbortSignal): Promise<LoadReport> {
    const { concurrency, durationMs, requests } = this.plan;
    const deadline = durationMs === undefined ? Infinity : this.report.startedAt + durationMs;
    const quota = durationMs === undefined ? Math.floor(requests / concurrency) : Infinity;
    const stop = () => {
      this.stopped = true;
      for (const sender of this.senders) sender.abort();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all(Array.from({ length: concurrency }, () => this.worker(quota, deadline, signal)));
    } finally {
      signal.removeEventListener('abort', stop);
    }
    this.report.elapsedMs = performance.now() - this.report.startedAt;
    return this.report;
  }

  private async worker(quota: number, deadline: number, signal: AbortSignal): Promise<void> {
    const sender = new Sender(this, this.deps.dispatcher);
    this.senders.push(sender);
    const gapMs = this.plan.ratePerWorker > 0 ? 1000 / this.plan.ratePerWorker : 0;
    let next = performance.now();
    for (let sent = 0; sent < quota && !signal.aborted; sent++) {
      if (gapMs > 0) {
        const wait = next - performance.now();
        if (wait > 0 && !(await pause(wait, signal))) return;
        // Behind schedule (slow answers), the next request goes at once; no burst to catch up, as hey's ticker.
        next = Math.max(next + gapMs, performance.now());
      }
      if (performance.now() >= deadline) return;
      await sender.send();
    }
  }

  /** Counts one answer (called by a {@link Sender}). */
  answered(status: number, ms: number): void {
    const r = this.report;
    r.requests += 1;
    r.latency.record(ms);
    r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
    if (status >= 500) r.errors.status += 1;
    this.deps.observer?.response(status, ms);
  }

  /** Counts one request that got no answer, unless the run was stopped (called by a {@link Sender}). */
  failed(err: unknown, ms: number): void {
    if (this.stopped) return;
    const r = this.report;
    const code = errorCode(err);
    const kind = TIMEOUT_CODES.has(code) ? LoadErrorKind.Timeout : LoadErrorKind.Network;
    r.requests += 1;
    r.latency.record(ms);
    r.errors[kind] += 1;
    if (r.failures.has(code) || r.failures.size < MAX_FAILURE_KINDS)
      r.failures.set(code, (r.failures.get(code) ?? 0) + 1);
    this.deps.observer?.failure(kind, ms);
  }
}

/**
 * One worker's request in flight: a dispatch handler reused for every request the worker sends (no
 * response stream, no per-request closures; the body is dropped as it arrives).
 */
class Sender implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private started = 0;
  private status = 0;
  private done: () => void = () => undefined;

  constructor(
    private readonly run: LoadRun,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** Sends the run's request; resolves when it is answered or has failed. */
  send(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.done = resolve;
      this.status = 0;
      this.started = performance.now();
      this.dispatcher.dispatch(this.run.request, this);
    });
  }

  abort(): void {
    this.controller?.abort(new Error('load run stopped'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  /** The body is dropped as it arrives (undici 8 requires the handler to take it). */
  onResponseData(): void {}

  onResponseEnd(): void {
    this.controller = undefined;
    this.run.answered(this.status, performance.now() - this.started);
    this.done();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.controller = undefined;
    this.run.failed(err, performance.now() - this.started);
    this.done();
  }
}

/** Waits `ms`; false when `signal` aborted meanwhile. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, … or the error's message. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
  const code = e.code ?? e.cause?.code;
  if (typeof code === 'string') return code;
  return typeof e.message === 'string' ? e.message.slice(0, 80) : String(err).slice(0, 80);
}
