import type { Clock } from '../controller/clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * Time for `serin simulate`: nothing happens until the simulation advances it. Timers fire in time
 * order (ties in the order they were set); after each one, `settle` lets the async work it started
 * (reconciles, writes, watch events) finish before the clock moves on.
 */
export class VirtualClock implements Clock {
  private current: number;
  /** A binary min-heap by (at, seq); cancelled timers stay until they reach the top. */
  private readonly timers: Timer[] = [];
  private seq = 0;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): { cancel(): void } {
    const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** When the next timer is due, or undefined when none is set. */
  nextAt(): number | undefined {
    return this.peek()?.at;
  }

  /**
   * Fires every timer due up to `until` in order, calling `settle` after each, and leaves the clock
   * at `until`. Returns how many timers fired.
   */
  async advanceTo(until: number, settle: () => Promise<void>): Promise<number> {
    let fired = 0;
    for (;;) {
      const next = this.peek();
      if (!next || next.at > until) break;
      this.pop();
      this.current = Math.max(this.current, next.at);
      next.fn();
      fired++;
      await settle();
    }
    this.current = Math.max(this.current, until);
    return fired;
  }

  /** The earliest live timer, dropping cancelled ones on the way. */
  private peek(): Timer | undefined {
    while (this.timers[0]?.cancelled) this.pop();
    return this.timers[0];
  }

  private push(timer: Timer): void {
    const heap = this.timers;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.timers;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && before(heap[l]!, heap[min]!)) min = l;
      if (r < heap.length && before(heap[r]!, heap[min]!)) min = r;
      if (min === i) return;
      [heap[i], heap[min]] = [heap[min]!, heap[i]!];
      i = min;
    }
  }
}

/** Time order; ties in the order the timers were set. */
function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
