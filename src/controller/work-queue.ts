/**
 * A keyed work queue: a key is processed by at most one worker at a time; adding a key that is
 * queued is a no-op, adding one that is in flight queues it again after it finishes (so no change
 * is lost and no two reconciles of one canary overlap). Failed keys come back after a backoff.
 */
import { systemClock } from './clock.js';

export interface WorkQueueOptions {
  /** How many keys are processed at once (different keys). Default 4. */
  readonly concurrency?: number;
  /** Retry backoff for a failing key: doubles from `minMs` to `maxMs`. Defaults 500 ms … 60 s. */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  /** Sets timers; injectable so tests and the simulator control time. */
  readonly setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

export type Worker = (key: string) => Promise<void>;

export class WorkQueue {
  private readonly queued: string[] = [];
  private readonly queuedSet = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, { cancel(): void }>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly worker: Worker,
    private readonly onError: (key: string, err: unknown) => void,
    private readonly options: WorkQueueOptions = {},
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.inFlight.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queuedSet.has(key)) return;
    this.queuedSet.add(key);
    this.queued.push(key);
    this.pump();
  }

  /** Forgets a key (its object is gone): drops a pending retry and the failure count. */
  forget(key: string): void {
    this.retryTimers.get(key)?.cancel();
    this.retryTimers.delete(key);
    this.failures.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.retryTimers.values()) t.cancel();
    this.retryTimers.clear();
  }

  /** Resolves when nothing is queued or in flight (retries pending on timers do not count). */
  idle(): Promise<void> {
    if (this.queued.length === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get depth(): number {
    return this.queued.length + this.inFlight.size;
  }

  /** Keys waiting for a worker (not those in flight, nor failed ones waiting out their backoff). */
  get waiting(): number {
    return this.queued.length;
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 4;
    while (!this.stopped && this.inFlight.size < concurrency && this.queued.length > 0) {
      const key = this.queued.shift()!;
      this.queuedSet.delete(key);
      this.inFlight.add(key);
      void this.process(key);
    }
    if (this.queued.length === 0 && this.inFlight.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async process(key: string): Promise<void> {
    try {
      await this.worker(key);
      this.failures.delete(key);
    } catch (err) {
      this.onError(key, err);
      this.scheduleRetry(key);
    } finally {
      this.inFlight.delete(key);
      if (this.again.delete(key)) this.add(key);
      this.pump();
    }
  }

  private scheduleRetry(key: string): void {
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 500, maxMs: 60_000 };
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(maxMs, minMs * 2 ** (n - 1));
    const setTimer = this.options.setTimer ?? ((fn: () => void, ms: number) => systemClock.setTimer(fn, ms));
    this.retryTimers.get(key)?.cancel();
    this.retryTimers.set(
      key,
      setTimer(() => {
        this.retryTimers.delete(key);
        this.add(key);
      }, delay),
    );
  }
}
