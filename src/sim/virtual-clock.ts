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
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** When the next timer is due, or undefined when none is set. */
  nextAt(): number | undefined {
    this.prune();
    return this.timers.reduce<number | undefined>(
      (min, t) => (min === undefined || t.at < min ? t.at : min),
      undefined,
    );
  }

  /**
   * Fires every timer due up to `until` in order, calling `settle` after each, and leaves the clock
   * at `until`. Returns how many timers fired.
   */
  async advanceTo(until: number, settle: () => Promise<void>): Promise<number> {
    let fired = 0;
    for (;;) {
      this.prune();
      const next = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      next.fn();
      fired++;
      await settle();
    }
    this.current = Math.max(this.current, until);
    return fired;
  }

  private prune(): void {
    for (let i = this.timers.length - 1; i >= 0; i--) if (this.timers[i]?.cancelled) this.timers.splice(i, 1);
  }
}
