/**
 * The conditional-binomial likelihood behind every count test, and the mixture e-values read from it.
 *
 * In a window with canary share of requests ρ = n_c / (n_c + n_p) and E events in both arms, the
 * number of canary events is binomial given E, with success probability π(δ) = ρe^δ / (ρe^δ + 1 − ρ),
 * where δ is the log of the canary/primary event-rate ratio. The shared, time-varying load cancels.
 * Summed over windows (each with its own ρ), the log-likelihood up to a constant is
 *
 *   ℓ(δ) = X_c·δ − Σ_w E_w · ln(ρ_w e^δ + 1 − ρ_w)
 *
 * so the windows' (ρ_w, E_w) pairs and the total canary events X_c are sufficient. ℓ is concave in δ,
 * which makes the FAIL e-value non-increasing and the PASS e-value non-decreasing in the null point:
 * the rejected nulls form a half-line, and confidence bounds come from a bisection.
 */

/**
 * One stratum: windows with the same canary share of requests, merged.
 * `[canaryRequests, primaryRequests, events in both arms, canary events]`; only strata with events are kept.
 */
export type Stratum = readonly [canaryRequests: number, primaryRequests: number, events: number, canaryEvents: number];

/** The mixture over alternatives: G = 24 equally weighted ratios, geometric from 1.1 to 20. */
export const MIXTURE_SIZE = 24;
const MIXTURE_FIRST = Math.log(1.1);
const MIXTURE_LAST = Math.log(20);
/** ln r_j for the mixture's alternative ratios r_j, beyond the null point (FAIL) or below it (PASS). */
export const MIXTURE_LOG_RATIOS: readonly number[] = Array.from(
  { length: MIXTURE_SIZE },
  (_, j) => MIXTURE_FIRST + ((MIXTURE_LAST - MIXTURE_FIRST) * j) / (MIXTURE_SIZE - 1),
);

/** ln(ρe^δ + 1 − ρ), accurate for small δ and free of overflow for large ones. */
export function logShareDenominator(share: number, delta: number): number {
  if (delta <= 0) return Math.log1p(share * Math.expm1(delta));
  return delta + Math.log(share + (1 - share) * Math.exp(-delta));
}

/** ℓ(δ) over the strata, without the tempering by φ. */
export function logLikelihood(strata: readonly Stratum[], delta: number): number {
  // logShareDenominator, with the part that depends only on δ taken out of the loop.
  const negative = delta <= 0;
  const grow = negative ? Math.expm1(delta) : Math.exp(-delta);
  let sum = 0;
  for (const [nc, np, events, canaryEvents] of strata) {
    const share = nc / (nc + np);
    const denominator = negative ? Math.log1p(share * grow) : delta + Math.log(share + (1 - share) * grow);
    sum += canaryEvents * delta - events * denominator;
  }
  return sum;
}

/** ln((1/n)·Σ e^{x_i}), computed without overflow. */
export function logMeanExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum / values.length);
}

/** Which way a test looks: FAIL tests H0 "ratio ≤ null" against larger ratios; PASS the reverse. */
export type Side = 'fail' | 'pass';

/**
 * ln of the mixture e-value at the null log-ratio `nullDelta`, tempered by φ:
 * ln((1/G)·Σ_j exp((ℓ(δ₀ ± ln r_j) − ℓ(δ₀)) / φ)), + for FAIL and − for PASS.
 */
export function logEValue(strata: readonly Stratum[], nullDelta: number, side: Side, phi: number): number {
  const base = logLikelihood(strata, nullDelta);
  const sign = side === 'fail' ? 1 : -1;
  return logMeanExp(MIXTURE_LOG_RATIOS.map((s) => (logLikelihood(strata, nullDelta + sign * s) - base) / phi));
}

/** The null points a count test evaluates ℓ at: the null δ₀ first, then δ₀ ± ln r_j. */
export function mixturePoints(nullDelta: number, side: Side): number[] {
  const sign = side === 'fail' ? 1 : -1;
  return [nullDelta, ...MIXTURE_LOG_RATIOS.map((s) => nullDelta + sign * s)];
}

/** ln e-value from ℓ already evaluated at {@link mixturePoints}. */
export function logEValueFromCurve(curve: ArrayLike<number>, phi: number): number {
  const base = curve[0] ?? 0;
  const terms: number[] = [];
  for (let j = 1; j < curve.length; j++) terms.push(((curve[j] ?? 0) - base) / phi);
  return logMeanExp(terms);
}

/** Reported bounds are clipped to [1/1000, 1000]: beyond that the judge says "below" or "above". */
export const BOUND_RANGE = { low: Math.log(1e-3), high: Math.log(1e3) } as const;
/** Bounds are found to 1e-4 on the log scale (0.01% of the ratio). */
const TOLERANCE = 1e-4;
const MAX_STEPS = 60;

/**
 * The last point of [lo, hi] where `margin` ≥ 0, for a continuous margin that is ≥ 0 on a lower
 * half-line and < 0 beyond (`margin(lo)` ≥ 0 > `margin(hi)`). Regula falsi with the Illinois
 * correction (each step keeps the root bracketed; a stale end has its value halved so both ends
 * close in), falling back to halving when a step would not shrink the bracket. Returns the rejected
 * end of the final bracket, so the answer errs on the side of a wider confidence interval.
 */
function lastRejected(
  margin: (delta: number) => number,
  lo: number,
  hi: number,
  marginLo: number,
  marginHi: number,
): number {
  let [a, b, fa, fb, kept] = [lo, hi, marginLo, marginHi, 0];
  for (let step = 0; step < MAX_STEPS && b - a > TOLERANCE; step++) {
    let x = (a * fb - b * fa) / (fb - fa);
    // Stay at least a tenth of the tolerance inside, so a step always shrinks the bracket.
    if (!(x > a + TOLERANCE / 10 && x < b - TOLERANCE / 10) || step % 8 === 7) x = (a + b) / 2;
    const fx = margin(x);
    if (fx >= 0) {
      [a, fa] = [x, fx];
      if (kept === 1) fb /= 2;
      kept = 1;
    } else {
      [b, fb] = [x, fx];
      if (kept === -1) fa /= 2;
      kept = -1;
    }
  }
  return a;
}

/** What the bounds need to know about one test. */
export interface BoundInput {
  readonly strata: readonly Stratum[];
  readonly phi: number;
  /** ln(1/α) for the lower bound (FAIL side), ln(1/β) for the upper bound (PASS side). */
  readonly logThreshold: number;
  /** The test's own null point (ln failAbove or ln passBelow), where the verdict was read. */
  readonly anchor: number;
}

/**
 * The last rejected point of a margin that is ≥ 0 (rejected) on a lower half-line, searched from
 * `anchor` towards `low` or `high`; −Infinity when even `low` is not rejected.
 */
function halfLineEnd(margin: (delta: number) => number, anchor: number, low: number, high: number): number {
  const atAnchor = margin(anchor);
  if (atAnchor >= 0) {
    const atHigh = margin(high);
    return atHigh >= 0 ? high : lastRejected(margin, anchor, high, atAnchor, atHigh);
  }
  const atLow = margin(low);
  return atLow >= 0 ? lastRejected(margin, low, anchor, atLow, atAnchor) : -Infinity;
}

/**
 * Lower confidence bound on ln(ratio): the largest null δ₀ that the FAIL e-value rejects (every
 * smaller one is rejected too). −Infinity when none is. Anchored at ln failAbove so that the bound
 * is above it exactly when the FAIL e-value is over its threshold.
 */
export function lowerLogBound(input: BoundInput): number {
  const margin = (d: number) => logEValue(input.strata, d, 'fail', input.phi) - input.logThreshold;
  return halfLineEnd(margin, input.anchor, BOUND_RANGE.low, BOUND_RANGE.high);
}

/**
 * Upper confidence bound on ln(ratio): the smallest null δ₀ that the PASS e-value rejects (every
 * larger one is rejected too). +Infinity when none is. Anchored at ln passBelow.
 */
export function upperLogBound(input: BoundInput): number {
  // Mirror the PASS side onto the FAIL side's shape: the margin at −δ is ≥ 0 on a lower half-line.
  const margin = (minusDelta: number) => logEValue(input.strata, -minusDelta, 'pass', input.phi) - input.logThreshold;
  return -halfLineEnd(margin, -input.anchor, -BOUND_RANGE.high, -BOUND_RANGE.low);
}

/**
 * The maximum-likelihood ln(ratio), stratified by window: the δ where the expected canary events
 * Σ E_w·π_w(δ) equal the observed ones. −Infinity with no canary event, +Infinity with only canary
 * events, NaN with no informative window.
 */
export function estimateLogRatio(strata: readonly Stratum[]): number {
  const total = strata.reduce((sum, [, , events]) => sum + events, 0);
  const canaryEvents = strata.reduce((sum, [, , , x]) => sum + x, 0);
  if (total === 0) return NaN;
  if (canaryEvents === 0) return -Infinity;
  if (canaryEvents >= total) return Infinity;
  const expected = (delta: number) =>
    strata.reduce((sum, [nc, np, events]) => {
      const share = nc / (nc + np);
      return sum + (events * share) / (share + (1 - share) * Math.exp(-delta));
    }, 0);
  let [lo, hi] = [-50, 50];
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (expected(mid) < canaryEvents) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
