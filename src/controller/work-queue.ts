/**
 * A keyed work queue: a key is processed by at most one worker at a time; adding a key that is
 * queued is a no-op, adding one that is in flight queues it again after it finishes (so no change
 * is lost and no two reconciles of one canary overlap). Failed keys come back after a backoff.
 *
 * Two lanes, each first in, first out: `urgent` (a change seen on a watch: a new revision, a
 * primary that became ready, a person's command) and `routine` (analysis ticks, the first pass over
 * every canary at start). Urgent keys go first, but while routine keys wait, at most
 * {@link URGENT_RUN} urgent keys are taken in a row before one routine key: with thousands of
 * canaries queued at start, the canary whose primary just became ready finishes initializing almost
 * at once instead of after every other canary's first pass, and a new revision is noticed while a
 * backlog of ticks is worked off; yet a steady stream of changes (pods churning under an
 * autoscaler) can never starve the ticks that are due, as strict priority could. (Taking turns one
 * for one was measured too: at 5,000 canaries it tripled the p99 of noticing a new revision and did
 * not make the ticks of a release wave any less late.) A routine key added as urgent moves to the
 * urgent lane.
 *
 * Some workers are kept for urgent keys ({@link urgentReserve}: one in eight): routine keys never
 * hold all of them, so a change is taken at once even while a wave of ticks, each waiting on its
 * metric queries, holds every other worker.
 *
 * The routine lane can start slow ({@link WorkQueueOptions.rampUp}): a few workers at first, twice as
 * many each period after, up to all of them. The first pass over thousands of canaries then does not
 * start dozens of initializations at once, whose writes would hold back the first canary's primary
 * (and so the first `Initialized`) behind all the others; once under way it runs at full width.
 */
import { systemClock } from './clock.js';

/** Urgent keys taken in a row while routine keys wait, before one routine key. */
export const URGENT_RUN = 4;

/** Workers only urgent keys may take, of `concurrency`: one in eight, at least one when there are two. */
export function urgentReserve(concurrency: number): number {
  return concurrency < 2 ? 0 : Math.max(1, Math.floor(concurrency / 8));
}

export interface WorkQueueOptions {
  /** How many keys are processed at once (different keys). Default 4. */
  readonly concurrency?: number;
  /** Retry backoff for a failing key: doubles from `minMs` to `maxMs`. Defaults 500 ms … 60 s. */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  /** Sets timers; injectable so tests and the simulator control time. */
  readonly setTimer?: (fn: () => void, ms: number) => { cancel(): void };
  /**
   * Routine keys at first take at most `initial` workers, twice as many every `everyMs` after the
   * first key is added, until the full number. Urgent keys are never held back. Default: no ramp.
   */
  readonly rampUp?: { readonly initial: number; readonly everyMs: number };
}

export type Worker = (key: string) => Promise<void>;

/** Which lane a key joins: `urgent` is served first. */
export type Lane = 'urgent' | 'routine';

export class WorkQueue {
  /** Sets keep insertion order and delete in O(1): each is a first-in, first-out lane. */
  private readonly urgent = new Set<string>();
  private readonly routine = new Set<string>();
  /** Keys being processed, each with the lane it was taken from. */
  private readonly inFlight = new Map<string, Lane>();
  private routineInFlight = 0;
  /** Keys added while in flight, by the most urgent lane they were added to. */
  private readonly again = new Map<string, Lane>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, { cancel(): void }>();
  /** Urgent keys taken in a row while routine keys waited. */
  private urgentRun = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  /** Workers routine keys may hold now: grows while ramping up ({@link WorkQueueOptions.rampUp}). */
  private routineLimit: number;
  /** The ramp's next doubling, once the first key has been added. */
  private rampTimer: { cancel(): void } | undefined;
  private rampStarted = false;

  constructor(
    private readonly worker: Worker,
    private readonly onError: (key: string, err: unknown) => void,
    private readonly options: WorkQueueOptions = {},
  ) {
    const full = this.concurrency - urgentReserve(this.concurrency);
    this.routineLimit = options.rampUp ? Math.max(1, Math.min(full, options.rampUp.initial)) : full;
  }

  add(key: string, lane: Lane = 'urgent'): void {
    if (this.stopped) return;
    if (!this.rampStarted) {
      this.rampStarted = true;
      this.scheduleRamp();
    }
    if (this.inFlight.has(key)) {
      if (this.again.get(key) !== 'urgent') this.again.set(key, lane);
      return;
    }
    if (this.urgent.has(key)) return;
    if (lane === 'urgent') {
      this.routine.delete(key);
      this.urgent.add(key);
    } else if (!this.routine.has(key)) {
      this.routine.add(key);
    }
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
    this.rampTimer?.cancel();
    for (const t of this.retryTimers.values()) t.cancel();
    this.retryTimers.clear();
  }

  /** Resolves when nothing is queued or in flight (retries pending on timers do not count). */
  idle(): Promise<void> {
    if (this.waiting === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get depth(): number {
    return this.waiting + this.inFlight.size;
  }

  /** Keys waiting for a worker (not those in flight, nor failed ones waiting out their backoff). */
  get waiting(): number {
    return this.urgent.size + this.routine.size;
  }

  private get concurrency(): number {
    return this.options.concurrency ?? 4;
  }

  /** The next key to take and its lane, or undefined when no waiting key may take a free worker. */
  private next(): { key: string; lane: Lane } | undefined {
    const routineRoom = this.routineInFlight < this.routineLimit;
    const urgent = this.urgent.size > 0 && (this.routine.size === 0 || !routineRoom || this.urgentRun < URGENT_RUN);
    if (!urgent && !routineRoom) return undefined;
    const queue = urgent ? this.urgent : this.routine;
    const key = queue.values().next().value;
    if (key === undefined) return undefined;
    queue.delete(key);
    this.urgentRun = urgent && routineRoom && this.routine.size > 0 ? this.urgentRun + 1 : 0;
    return { key, lane: urgent ? 'urgent' : 'routine' };
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.concurrency) {
      const taken = this.next();
      if (!taken) break;
      this.inFlight.set(taken.key, taken.lane);
      if (taken.lane === 'routine') this.routineInFlight++;
      void this.process(taken.key);
    }
    if (this.waiting === 0 && this.inFlight.size === 0) {
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
      if (this.inFlight.get(key) === 'routine') this.routineInFlight--;
      this.inFlight.delete(key);
      const lane = this.again.get(key);
      this.again.delete(key);
      if (lane) this.add(key, lane);
      this.pump();
    }
  }

  private setTimer(fn: () => void, ms: number): { cancel(): void } {
    return this.options.setTimer ? this.options.setTimer(fn, ms) : systemClock.setTimer(fn, ms);
  }

  /** Doubles the routine lane's workers every `rampUp.everyMs` until it has them all. */
  private scheduleRamp(): void {
    const ramp = this.options.rampUp;
    const full = this.concurrency - urgentReserve(this.concurrency);
    if (!ramp || this.routineLimit >= full) return;
    this.rampTimer = this.setTimer(() => {
      this.rampTimer = undefined;
      this.routineLimit = Math.min(full, this.routineLimit * 2);
      this.pump();
      this.scheduleRamp();
    }, ramp.everyMs);
  }

  private scheduleRetry(key: string): void {
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 500, maxMs: 60_000 };
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(maxMs, minMs * 2 ** (n - 1));
    this.retryTimers.get(key)?.cancel();
    this.retryTimers.set(
      key,
      this.setTimer(() => {
        this.retryTimers.delete(key);
        this.add(key, 'routine');
      }, delay),
    );
  }
}
