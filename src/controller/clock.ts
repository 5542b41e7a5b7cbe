/** Time for the controller: the wall clock in the operator, a virtual one in `serin simulate`. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};
