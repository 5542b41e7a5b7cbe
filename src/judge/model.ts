/**
 * The statistical judge's vocabulary: the counts it reads per analysis window, the signals it judges
 * and the verdicts it gives. The judge is a pure core (no I/O, clock or randomness); every number it
 * needs comes in as data, and every decision goes out as data.
 */

/** Requests seen by one arm (canary or primary) in one window, and how many of them were events. */
export interface ArmCounts {
  /** Requests served, an integer ≥ 0. */
  readonly requests: number;
  /** Requests that count as events (an error, or slower than the frozen boundary), 0..requests. */
  readonly events: number;
}

/** One analysis window of one count signal: exact integer counts for both arms. */
export interface WindowCounts {
  readonly canary: ArmCounts;
  readonly primary: ArmCounts;
}

/** The count signals the judge compares canary against primary on, and the split check. */
export const SIGNAL_NAMES = {
  /** Errors (5xx or the user's selector) over requests. */
  errorRatio: 'error-ratio',
  /** Requests slower than b₉₉, the boundary near the primary's p99 frozen before the rollout. */
  latencyTail: 'latency-tail',
  /** Requests slower than b₉₀, the boundary near the primary's p90 frozen before the rollout. */
  latencyBody: 'latency-body',
  /** Does the canary receive its configured weight? Not part of the false-rollback budget. */
  trafficSplit: 'traffic-split',
} as const;
export type SignalName = (typeof SIGNAL_NAMES)[keyof typeof SIGNAL_NAMES];
/** The signals judged by a count test against the false-rollback budget. */
export type CountSignalName = Exclude<SignalName, 'traffic-split'>;
export const COUNT_SIGNALS: readonly CountSignalName[] = ['error-ratio', 'latency-tail', 'latency-body'];

/** What one signal says after a window. */
export const VERDICTS = {
  /** The canary is shown no worse than `passBelow` times the primary (or the plan / zero-event rule). */
  pass: 'PASS',
  /** The canary is shown worse than `failAbove` times the primary. Sticky for the release. */
  fail: 'FAIL',
  /** Not enough evidence either way yet. */
  continue: 'CONTINUE',
  /** The counts could not be read or compared (query failure, histograms with other boundaries). */
  error: 'ERROR',
  /** Traffic split only: the canary's observed share is shown outside the band around its weight. */
  hold: 'HOLD',
} as const;
export type Verdict = (typeof VERDICTS)[keyof typeof VERDICTS];

/** A signal's counts for one window as the metrics source returned them, or why it could not. */
export type SignalObservation =
  { readonly kind: 'counts'; readonly counts: WindowCounts } | { readonly kind: 'error'; readonly message: string };

/** Why a signal passed, when it did. */
export type PassRule = 'bound' | 'plan' | 'zero-events';

/** Checks that counts are integers with 0 ≤ events ≤ requests; returns what is wrong, or null. */
export function countsProblem(counts: WindowCounts): string | null {
  for (const arm of ['canary', 'primary'] as const) {
    const { requests, events } = counts[arm];
    if (!Number.isSafeInteger(requests) || requests < 0) {
      return `${arm}.requests ${String(requests)} must be a whole number ≥ 0`;
    }
    if (!Number.isSafeInteger(events) || events < 0 || events > requests) {
      return `${arm}.events ${String(events)} must be a whole number between 0 and ${arm}.requests (${requests})`;
    }
  }
  return null;
}
