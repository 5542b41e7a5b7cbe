/**
 * The judge's evidence and its wording: per signal the counts per arm, the estimated ratio with its
 * anytime confidence bounds, the e-values against their thresholds, and one sentence a person can act
 * on. Numbers are rounded for reading; the report's fields keep them whole.
 */
import type { CountTest } from './count-test.js';
import type { ArmCounts, PassRule, SignalName, Verdict } from './model.js';
import { describeNeeded, formatCount, needed, zeroEventRequests, type Needed } from './planner.js';

/** Evidence for one signal after a window. */
export interface SignalReport {
  readonly name: SignalName;
  readonly verdict: Verdict;
  /** One plain sentence: the decision and why. */
  readonly reason: string;
  /** How a PASS was reached: by the confidence bound, the planned sample, or zero events. */
  readonly passedBy: PassRule | null;
  /** Cumulative counts over the release. */
  readonly canary: ArmCounts;
  readonly primary: ArmCounts;
  /** Estimated canary/primary ratio of event rates (stratified by window); null before any event. */
  readonly ratio: number | null;
  /** Lower bound on the ratio at `lowerConfidence`, anytime-valid; 0 when none yet. */
  readonly lower: number;
  /** Upper bound on the ratio at `upperConfidence`, anytime-valid; null while unbounded. */
  readonly upper: number | null;
  readonly lowerConfidence: number;
  readonly upperConfidence: number;
  readonly failAbove: number;
  readonly passBelow: number;
  /** FAIL e-value (against "ratio ≤ failAbove") and its threshold 1/α_m. */
  readonly eFail: number;
  readonly failThreshold: number;
  /** PASS e-value (against "ratio ≥ passBelow") and its threshold 1/β. */
  readonly ePass: number;
  readonly passThreshold: number;
  /** Anytime p-value of "ratio ≤ failAbove" (display only). */
  readonly pValue: number;
  readonly phi: number;
  /** Latency signals: the frozen boundary `le`. */
  readonly boundary: number | null;
  /** CONTINUE only: what is still needed to decide. */
  readonly needed: Needed | null;
  readonly windows: number;
}

/** What a sentence needs beyond the test itself. */
export interface Wording {
  readonly name: SignalName;
  /** "error ratio", "latency above 0.25 s". */
  readonly label: string;
  /** "errors", "requests slower than 0.25 s". */
  readonly events: string;
  readonly boundary: number | null;
  /** Canary requests per second in the last window. */
  readonly canaryRate: number;
}

export const ratioText = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 0.01 ? r.toFixed(2) : r.toPrecision(2));
export const percentText = (share: number): string => `${+(share * 100).toFixed(2)}%`;

/** "352", "5,928", "4.7e+5". */
export function eText(e: number): string {
  if (e >= 1e5) return e.toExponential(1);
  return e >= 10 ? formatCount(e) : e.toPrecision(2);
}

const countsText = (c: ArmCounts, p: ArmCounts): string =>
  `canary ${formatCount(c.events)}/${formatCount(c.requests)} vs primary ${formatCount(p.events)}/${formatCount(p.requests)} requests`;

function boundsText(lower: number, upper: number | null, lowerConf: number, upperConf: number): string {
  const parts = [
    ...(lower > 0 ? [`> ${ratioText(lower)} at ${percentText(lowerConf)}`] : []),
    ...(upper !== null ? [`< ${ratioText(upper)} at ${percentText(upperConf)}`] : []),
  ];
  return parts.length === 0 ? 'no bound yet' : parts.join(', ');
}

/** Builds a signal's report from its test after the window's look. */
export function countReport(test: CountTest, wording: Wording): SignalReport {
  const state = test.toState();
  const s = test.settings;
  const verdict = test.verdict();
  const base = {
    name: wording.name,
    verdict,
    passedBy: verdict === 'PASS' ? state.passedBy : null,
    canary: state.canary,
    primary: state.primary,
    ratio: test.estimate(),
    lower: state.lower,
    upper: state.upper,
    lowerConfidence: 1 - s.alpha,
    upperConfidence: 1 - s.beta,
    failAbove: s.failAbove,
    passBelow: s.passBelow,
    eFail: test.eFail(),
    failThreshold: 1 / s.alpha,
    ePass: test.ePass(),
    passThreshold: 1 / s.beta,
    pValue: test.pValue(),
    phi: s.phi,
    boundary: wording.boundary,
    windows: state.windows,
  };
  // No plan without a base rate (no pre-rollout rate, no primary event yet): say nothing rather than NaN.
  const target = verdict === 'CONTINUE' ? projectionTarget(test) : Infinity;
  const need = Number.isFinite(target) ? needed(target, state.canary.requests, wording.canaryRate) : null;
  const report: SignalReport = { ...base, needed: need, reason: '' };
  return { ...report, reason: reasonFor(report, wording, s.zeroEventRate) };
}

/** Canary requests the test is heading for: its plan, or the zero-event count while nothing happened. */
function projectionTarget(test: CountTest): number {
  const state = test.toState();
  const { zeroEventRate, beta, baseRate } = test.settings;
  if (state.canary.events + state.primary.events === 0 && zeroEventRate !== undefined) {
    return zeroEventRequests(zeroEventRate, beta);
  }
  if (baseRate !== undefined) return test.plannedRequests();
  // No pre-rollout base rate: project from the primary's rate during the release.
  return test.plannedRequests(state.primary.requests > 0 ? state.primary.events / state.primary.requests : 0);
}

function reasonFor(r: SignalReport, w: Wording, zeroEventRate: number | undefined): string {
  const counts = countsText(r.canary, r.primary);
  const ratio =
    r.ratio === null ? 'no events yet' : `${w.label} canary/primary ${r.ratio === Infinity ? '∞' : ratioText(r.ratio)}`;
  if (r.verdict === 'FAIL') {
    return (
      `${ratio} is above ${ratioText(r.failAbove)}: ${boundsText(r.lower, null, r.lowerConfidence, 0)} anytime ` +
      `confidence (e = ${eText(r.eFail)} ≥ ${eText(r.failThreshold)}); ${counts}`
    );
  }
  if (r.verdict === 'PASS') return passReason(r, w, ratio, counts, zeroEventRate ?? 0);
  if (r.canary.requests === 0) {
    return `no data yet: 0 canary requests in ${r.windows} window${r.windows === 1 ? '' : 's'}`;
  }
  const bounds = boundsText(r.lower, r.upper, r.lowerConfidence, r.upperConfidence);
  const need = r.needed === null ? '' : `; ${describeNeeded(r.needed, w.canaryRate)}`;
  return (
    `${ratio} (${bounds}; pass below ${ratioText(r.passBelow)}, fail above ${ratioText(r.failAbove)}); ` +
    `${counts}${need}`
  );
}

function passReason(r: SignalReport, w: Wording, ratio: string, counts: string, zeroEventRate: number): string {
  const upper = boundsText(0, r.upper, r.lowerConfidence, r.upperConfidence);
  if (r.passedBy === 'zero-events') {
    return (
      `no ${w.events} in ${formatCount(r.canary.requests)} canary and ${formatCount(r.primary.requests)} primary ` +
      `requests: a canary rate of ${percentText(zeroEventRate)} or more would have shown one with ` +
      `${percentText(r.upperConfidence)} probability`
    );
  }
  if (r.passedBy === 'plan') {
    return (
      `no failure after ${formatCount(r.canary.requests)} canary requests, the planned sample that catches a ` +
      `${ratioText(r.passBelow)}× regression; ${ratio} (${upper}); ${counts}`
    );
  }
  return (
    `${ratio} is below ${ratioText(r.passBelow)}: ${upper} anytime confidence (e = ${eText(r.ePass)} ≥ ` +
    `${eText(r.passThreshold)}); ${counts}`
  );
}
