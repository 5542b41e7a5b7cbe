/** Time for the controller: the wall clock in the operator, a virtual one in `serin simulate`. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

/**
 * The longest delay Node's timers keep: 2³¹−1 ms (~24.8 days). A longer one fires after 1 ms, which
 * turned an `analysis.interval` of `40000m` into a tight reconcile loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay Node's timers honour: not negative, not past {@link MAX_TIMER_MS} (NaN → 0). */
export function timerDelayMs(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : ms > 0 ? MAX_TIMER_MS : 0;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    // Clamped: a timer due later than Node can count fires at the limit (and is re-armed then).
    const t = setTimeout(fn, timerDelayMs(ms));
    return { cancel: () => clearTimeout(t) };
  },
};
