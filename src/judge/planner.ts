/**
 * How many canary requests a count signal needs to decide, and how to say it to a person:
 * "needs ≈ 49,000 more canary requests (≈ 41 min at 20 req/s)".
 *
 *   n_plan ≈ 1.25 · ((z_B + z_{1−β}) / (ln passBelow − ln failAbove))² · (1/(p·passBelow) + 1/(k·p))
 *
 * with p the primary's event rate before the rollout, k = primary/canary requests, z_B the anytime
 * normal-mixture boundary for one-sided α (≈ 3.69 at α = 0.0033) and the factor 1.25 calibrating the
 * formula against simulated 90th percentiles of the count test (research note §5.3).
 */

/** Calibration of the normal approximation against the exact sequential test's simulated p90. */
const PLAN_CALIBRATION = 1.25;

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

function poly(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

/** z such that Φ(z) = p, for 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p ${p} must be strictly between 0 and 1`);
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / (poly(D, q) * q + 1);
  }
  if (p > 1 - P_LOW) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(A, r) * q) / (poly(B, r) * r + 1);
}

/**
 * The anytime boundary on the z scale for a one-sided level α at the planned information: the
 * two-sided normal-mixture boundary at level 2α, tuned where it is tightest (research note §5.4).
 */
export function anytimeZ(alpha: number): number {
  const twiceLog = 2 * Math.log(1 / (2 * alpha));
  const infoOverRho = twiceLog + Math.log(1 + twiceLog);
  return Math.sqrt((1 + 1 / infoOverRho) * (Math.log(1 + infoOverRho) + twiceLog));
}

/** What the planner needs about one count signal. */
export interface PlanInput {
  /** The primary's event rate (events/requests) before the rollout, in (0, 1). */
  readonly baseRate: number;
  /** Primary requests per canary request (9 at a 10% weight). */
  readonly allocation: number;
  readonly failAbove: number;
  readonly passBelow: number;
  /** This signal's share of the false-rollback budget. */
  readonly alpha: number;
  readonly beta: number;
}

/**
 * Canary requests after which a signal that has not failed may pass on the plan (research note
 * §6.2, planned-sample PASS). Infinity when the base rate is 0 (nothing to plan from).
 */
export function plannedCanaryRequests(input: PlanInput): number {
  const { baseRate: p, allocation: k, failAbove, passBelow } = input;
  if (!(p > 0) || !(k > 0)) return Infinity;
  const z = (anytimeZ(input.alpha) + normalQuantile(1 - input.beta)) / (Math.log(passBelow) - Math.log(failAbove));
  return Math.ceil(PLAN_CALIBRATION * z * z * (1 / (p * passBelow) + 1 / (k * p)));
}

/**
 * Canary requests after which zero events in both arms is a PASS: if the canary's event rate were
 * at least `rate`, seeing none in n requests has probability (1 − rate)^n ≤ e^{−n·rate} ≤ β.
 */
export function zeroEventRequests(rate: number, beta: number): number {
  return Math.ceil(Math.log(1 / beta) / rate);
}

/** "12,000", "1.2 million". */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toPrecision(2)} million`;
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Rounds up to two significant figures, so "≈" promises no false precision: 48,731 → 49,000. */
export function roundUp2(n: number): number {
  if (n <= 0) return 0;
  const scale = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.ceil(n / scale) * scale;
}

/** "40 s", "17 min", "2.5 h". */
export function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** How much more a signal needs, in requests and (when the canary has traffic) time. */
export interface Needed {
  /** Canary requests still needed, rounded up to two significant figures. */
  readonly canaryRequests: number;
  /** Seconds at the last window's canary rate; null when the canary had no traffic. */
  readonly seconds: number | null;
}

/** Requests and time still needed to reach `target` canary requests from `seen`. */
export function needed(target: number, seen: number, canaryRatePerSecond: number): Needed {
  const canaryRequests = roundUp2(Math.max(0, target - seen));
  return {
    canaryRequests,
    seconds: canaryRatePerSecond > 0 ? canaryRequests / canaryRatePerSecond : null,
  };
}

/** "needs ≈ 49,000 more canary requests (≈ 41 min at 20 req/s)". */
export function describeNeeded(need: Needed, canaryRatePerSecond: number): string {
  const requests = `needs ≈ ${formatCount(need.canaryRequests)} more canary requests`;
  if (need.seconds === null) return `${requests} (the canary receives no traffic now)`;
  const rate = canaryRatePerSecond >= 10 ? Math.round(canaryRatePerSecond) : canaryRatePerSecond.toPrecision(2);
  return `${requests} (≈ ${formatSeconds(need.seconds)} at ${rate} req/s)`;
}
