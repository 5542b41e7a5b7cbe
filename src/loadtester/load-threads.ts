/**
 * Unpaced `hey` runs spread over worker threads, so the generator uses every core it is given, as
 * hey's goroutines do. The threads are started on first use and kept (a thread takes a while to
 * start, more than a short run lasts); each keeps its own connections (load-thread.ts). A run gives
 * each of `threads` threads a share of the workers; their batches of statuses and latencies are
 * counted here into one live report and the Prometheus metrics. Totals are hey's: each worker sends
 * ⌊n/c⌋ requests.
 */
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emptyReport, type LoadObserver, type LoadPlan, type LoadReport, type LoadRunner } from './load-generator.js';
import {
  FAILED_STATUS,
  type LoadThreadCommand,
  type LoadThreadData,
  type LoadThreadMessage,
} from './load-thread-protocol.js';
import type { LoadErrorKind } from './metrics.js';

const KIND_OF_STATUS = new Map(Object.entries(FAILED_STATUS).map(([kind, status]) => [status, kind as LoadErrorKind]));
const MAX_FAILURE_KINDS = 20;

/**
 * The script a thread starts with: the compiled load-thread.js, or — when Serin runs from its
 * TypeScript sources under tsx — tsx registered in the thread first (threads do not inherit it).
 */
function bootstrap(): string {
  const here = fileURLToPath(import.meta.url);
  // Beside this file in src/loadtester/; in the package this code is in a shared chunk (dist/chunks/),
  // the thread's script in dist/loadtester/.
  const entry = pathToFileURL(join(dirname(here), '..', 'loadtester', `load-thread${extname(here)}`)).href;
  return extname(here) === '.ts'
    ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`
    : `import(${JSON.stringify(entry)});`;
}

/** Handlers of one run, by thread message. */
interface RunListener {
  batch(statuses: readonly number[], latencies: readonly number[]): void;
  done(failures: readonly [string, number][]): void;
  failed(err: Error): void;
}

/** Load threads, started on first use; one per index up to `size`. */
export class LoadThreadPool {
  private readonly threads: (Worker | undefined)[] = [];
  private readonly listeners = new Map<number, Map<Worker, RunListener>>();
  private nextId = 1;

  constructor(
    private readonly data: LoadThreadData,
    /** Most threads a run may use. */
    readonly size: number,
  ) {}

  /** A run of `plan` over `threads` (≤ size) threads; `report` is live. */
  run(plan: LoadPlan, threads: number, observer?: LoadObserver): LoadRunner {
    return new ThreadedLoadRun(this, plan, Math.min(threads, this.size), observer);
  }

  /** Starts run `id` of `plan` on thread `index`, telling `listener` what happens. */
  start(index: number, id: number, plan: LoadPlan, listener: RunListener): Worker {
    const worker = this.thread(index);
    let byWorker = this.listeners.get(id);
    if (!byWorker) this.listeners.set(id, (byWorker = new Map<Worker, RunListener>()));
    byWorker.set(worker, listener);
    worker.postMessage({ kind: 'run', id, plan: { ...plan, url: plan.url.href } } satisfies LoadThreadCommand);
    return worker;
  }

  /** A fresh run id. */
  newId(): number {
    return this.nextId++;
  }

  /** Forgets run `id` once every thread is done with it. */
  forget(id: number): void {
    this.listeners.delete(id);
  }

  /** Ends every thread. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.flatMap((w) => (w ? [w.terminate()] : [])));
  }

  private thread(index: number): Worker {
    const existing = this.threads[index];
    if (existing) return existing;
    const worker = new Worker(bootstrap(), { eval: true, workerData: this.data });
    worker.unref();
    this.threads[index] = worker;
    worker.on('message', (message: LoadThreadMessage) => {
      const listener = this.listeners.get(message.id)?.get(worker);
      if (message.kind === 'batch') listener?.batch(message.statuses, message.latencies);
      else listener?.done(message.failures);
    });
    const lost = (err: Error) => {
      if (this.threads[index] === worker) this.threads[index] = undefined;
      for (const byWorker of this.listeners.values()) byWorker.get(worker)?.failed(err);
    };
    worker.once('error', lost);
    worker.once('exit', (code) => lost(new Error(`load thread exited with code ${code}`)));
    return worker;
  }
}

/** One run over several threads of a {@link LoadThreadPool}. */
export class ThreadedLoadRun implements LoadRunner {
  readonly report: LoadReport = emptyReport();

  constructor(
    private readonly pool: LoadThreadPool,
    private readonly plan: LoadPlan,
    /** Threads the workers are spread over. */
    readonly threads: number,
    private readonly observer?: LoadObserver,
  ) {}

  async run(signal: AbortSignal): Promise<LoadReport> {
    const { concurrency, requests } = this.plan;
    const perWorker = Math.floor(requests / concurrency);
    const id = this.pool.newId();
    const started: Worker[] = [];
    const finished = Array.from({ length: this.threads }, (_, i) => {
      const share = Math.floor(concurrency / this.threads) + (i < concurrency % this.threads ? 1 : 0);
      const part = { ...this.plan, concurrency: share, requests: share * perWorker };
      return new Promise<void>((resolve, reject) => {
        started.push(
          this.pool.start(i, id, part, {
            batch: (statuses, latencies) => this.count(statuses, latencies),
            done: (failures) => {
              this.merge(failures);
              resolve();
            },
            failed: reject,
          }),
        );
      });
    });
    const stop = () => started.forEach((w) => w.postMessage({ kind: 'stop', id } satisfies LoadThreadCommand));
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all(finished);
    } finally {
      signal.removeEventListener('abort', stop);
      this.pool.forget(id);
    }
    this.report.elapsedMs = performance.now() - this.report.startedAt;
    return this.report;
  }

  private count(statuses: readonly number[], latencies: readonly number[]): void {
    const r = this.report;
    for (let i = 0; i < statuses.length; i++) {
      const status = statuses[i]!;
      const ms = latencies[i]!;
      r.requests += 1;
      r.latency.record(ms);
      const kind = KIND_OF_STATUS.get(status);
      if (kind) {
        r.errors[kind] += 1;
        this.observer?.failure(kind, ms);
        continue;
      }
      r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
      if (status >= 500) r.errors.status += 1;
      this.observer?.response(status, ms);
    }
  }

  private merge(failures: readonly [string, number][]): void {
    const r = this.report;
    for (const [code, n] of failures) {
      if (r.failures.has(code) || r.failures.size < MAX_FAILURE_KINDS)
        r.failures.set(code, (r.failures.get(code) ?? 0) + n);
    }
  }
}
