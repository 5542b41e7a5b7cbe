/**
 * The traffic-split check: does the canary receive its configured weight? (research note §6.2, §6.4)
 *
 * The same conditional-binomial engine, with requests as the events and the configured weight as the
 * exposure: given N requests in a step at weight w, the canary's count is binomial with share s.
 * Two one-sided e-values test whether s is shown below w(1 − τ) or above w(1 + τ), each at α/2. When
 * one of them crosses, the outcome is HOLD: keep the weight, tell the user, keep judging. A HOLD never
 * rolls back on its own and is not part of the false-rollback budget. The test covers one step: it
 * starts again when the weight changes, and its HOLD lasts for the rest of that step.
 */
import { logEValue } from './likelihood.js';
import { formatCount } from './planner.js';

/** How the split is checked. */
export interface SplitSettings {
  /**
   * Relative band τ around the weight, 0 < τ < 1. Default 0.3: a 10% weight expects 7–13%, so a
   * canary that receives half its weight is held (the research note's 0.5 would put half on the edge).
   */
  readonly tolerance: number;
  /** Chance of a false HOLD per step, both sides together. Default 0.001. */
  readonly alpha: number;
}

/** The split check's state for the current step (plain JSON). */
export interface SplitState {
  /** The configured canary weight of the step, in percent. */
  readonly weight: number;
  readonly canaryRequests: number;
  readonly primaryRequests: number;
  readonly windows: number;
  /** Which side was shown out of band in this step, if any. */
  readonly held: 'low' | 'high' | null;
}

/** The split check after one window. */
export interface SplitResult {
  readonly state: SplitState;
  readonly verdict: 'PASS' | 'HOLD';
  /** One plain sentence. */
  readonly reason: string;
  /** Observed canary share of requests in this step, null before any request. */
  readonly observedShare: number | null;
  /** The band of shares taken as "receives its weight": [w(1 − τ), w(1 + τ)] (upper capped at 1). */
  readonly band: readonly [number, number];
  /** E-values for "share below the band" and "share above it"; HOLD at 2/α. */
  readonly eLow: number;
  readonly eHigh: number;
  readonly threshold: number;
}

const logit = (p: number): number => Math.log(p / (1 - p));
const pct = (share: number): string => `${+(share * 100).toPrecision(3)}%`;

/** Feeds one window's requests per arm at the configured weight (percent). */
export function checkSplit(
  settings: SplitSettings,
  previous: SplitState | null,
  window: { readonly weight: number; readonly canaryRequests: number; readonly primaryRequests: number },
): SplitResult {
  const fresh = previous === null || previous.weight !== window.weight;
  const base: SplitState = fresh
    ? { weight: window.weight, canaryRequests: 0, primaryRequests: 0, windows: 0, held: null }
    : previous;
  const w = window.weight / 100;
  const band: [number, number] = [w * (1 - settings.tolerance), Math.min(1, w * (1 + settings.tolerance))];
  const threshold = 2 / settings.alpha;
  const counted: SplitState = {
    ...base,
    canaryRequests: base.canaryRequests + window.canaryRequests,
    primaryRequests: base.primaryRequests + window.primaryRequests,
    windows: base.windows + 1,
  };
  const total = counted.canaryRequests + counted.primaryRequests;
  const observedShare = total > 0 ? counted.canaryRequests / total : null;
  if (!(w > 0 && w < 1) || total === 0) {
    const reason =
      total === 0 ? 'no requests yet to check the split on' : `no split to check at weight ${window.weight}%`;
    return { state: counted, verdict: 'PASS', reason, observedShare, band, eLow: 1, eHigh: 1, threshold };
  }
  const strata = [[window.weight, 100 - window.weight, total, counted.canaryRequests] as const];
  const eLow = Math.exp(logEValue(strata, logit(band[0]) - logit(w), 'pass', 1));
  const eHigh = band[1] < 1 ? Math.exp(logEValue(strata, logit(band[1]) - logit(w), 'fail', 1)) : 1;
  const held = counted.held ?? (eLow >= threshold ? 'low' : eHigh >= threshold ? 'high' : null);
  const state = { ...counted, held };
  const observed = `observed canary share ${pct(observedShare ?? 0)} of ${formatCount(total)} requests`;
  if (held === null) {
    const reason = `${observed} is consistent with weight ${window.weight}% (band ${pct(band[0])}–${pct(band[1])})`;
    return { state, verdict: 'PASS', reason, observedShare, band, eLow, eHigh, threshold };
  }
  const where = held === 'low' ? `below ${pct(band[0])}` : `above ${pct(band[1])}`;
  const cause =
    held === 'low'
      ? 'possible outlier ejection of canary pods, routing lag or session affinity'
      : 'possible routing lag';
  const reason = `${observed} vs weight ${window.weight}% is ${where} (${cause}); holding the weight`;
  return { state, verdict: 'HOLD', reason, observedShare, band, eLow, eHigh, threshold };
}
