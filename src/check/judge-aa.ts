/**
 * The pure half of the judge's pre-flight in `serin check` (judge-preflight.ts does the reading): the
 * primary's pods split in two halves as an A/A pair, each half judged as the canary against the other
 * by the real judge, window by window; the primary's traffic; and, from the planner, the canary
 * requests and time a release would need to decide at a given weight.
 *
 * Two halves of one primary run the same code on the same traffic: a FAIL between them is a false
 * alarm the real release would meet too (bursty errors the over-dispersion φ does not cover, or one
 * pod unlike the others). Both directions are judged, so the chance of a FAIL on truly alike pods is
 * at most 2α.
 */
import {
  histogramIncrease,
  judgeWindow,
  plannedCanaryRequests,
  startJudge,
  sumIncreases,
  zeroEventRequests,
  type ArmCounts,
  type CounterSeries,
  type CounterWindow,
  type JudgeConfig,
  type JudgeOutcome,
  type JudgeState,
  type JudgeWindow,
  type PreRollout,
  type SignalObservation,
} from '../judge/index.js';
import type { ArmSeries, JudgeNeeds } from '../metrics/judge-source.js';

/** The primary's pods as two halves: alternate pods by sorted name. */
export interface PodHalves {
  /** Judged as the canary first (pods 1, 3, 5, … by name). */
  readonly a: readonly string[];
  /** Judged as the primary first (pods 2, 4, 6, … by name). */
  readonly b: readonly string[];
}

/** Every pod named by the primary's series, sorted. */
export function podsOf(series: ArmSeries, podLabel: string): string[] {
  const all = [...series.requests, ...series.errors, ...series.buckets, ...series.count];
  const named = all.map((s) => s.labels[podLabel]).filter((p): p is string => p !== undefined && p !== '');
  return [...new Set(named)].sort();
}

/** Alternate pods by sorted name, so neither half is "the old pods" or "the new ones". */
export function podHalves(pods: readonly string[]): PodHalves {
  const sorted = [...pods].sort();
  return { a: sorted.filter((_, i) => i % 2 === 0), b: sorted.filter((_, i) => i % 2 === 1) };
}

/** The part of `series` whose pods are in `pods`. */
export function seriesOf(series: ArmSeries, podLabel: string, pods: readonly string[]): ArmSeries {
  const mine = (s: CounterSeries) => pods.includes(s.labels[podLabel] ?? '');
  return {
    requests: series.requests.filter(mine),
    errors: series.errors.filter(mine),
    buckets: series.buckets.filter(mine),
    count: series.count.filter(mine),
  };
}

/** The earliest sample of any series (unix seconds); undefined when there is none. */
export function firstSample(series: ArmSeries): number | undefined {
  const firsts = [...series.requests, ...series.errors, ...series.buckets, ...series.count]
    .map((s) => s.samples[0]?.[0])
    .filter((t): t is number => t !== undefined);
  return firsts.length > 0 ? Math.min(...firsts) : undefined;
}

/** Requests and errors of `series` over `window`; requests from the histogram's `_count` when no request series. */
export function trafficOf(series: ArmSeries, window: CounterWindow): ArmCounts {
  const requests = series.requests.length > 0 ? series.requests : series.count;
  return { requests: sumIncreases(requests, window), events: sumIncreases(series.errors, window) };
}

/**
 * Back-to-back windows of `seconds` from `span.start`, as many as fit; longer ones when more than
 * `max` would (the judge is anytime-valid, so fewer, longer looks change no guarantee).
 */
export function windowsOf(span: CounterWindow, seconds: number, max: number): CounterWindow[] {
  const length = Math.max(seconds, Math.ceil((span.end - span.start) / max));
  const count = Math.floor((span.end - span.start) / length);
  return Array.from({ length: count }, (_, i) => ({
    start: span.start + i * length,
    end: span.start + (i + 1) * length,
  }));
}

function latencyOf(canary: ArmSeries, primary: ArmSeries, window: CounterWindow): JudgeWindow['latency'] {
  const c = histogramIncrease(canary.buckets, canary.count, window);
  const p = histogramIncrease(primary.buckets, primary.count, window);
  if (!c.ok) return { kind: 'error', message: `${c.problem.message}: ${c.problem.fix}` };
  if (!p.ok) return { kind: 'error', message: `${p.problem.message}: ${p.problem.fix}` };
  return { kind: 'histograms', canary: c.value, primary: p.value };
}

/** One window of `canary` pods against `primary` pods, as the judge reads a release's window. */
export function pairWindow(
  canary: ArmSeries,
  primary: ArmSeries,
  window: CounterWindow,
  needs: JudgeNeeds,
  canaryWeight: number,
): JudgeWindow {
  const errors: SignalObservation = {
    kind: 'counts',
    counts: { canary: trafficOf(canary, window), primary: trafficOf(primary, window) },
  };
  const latency = needs.latency ? latencyOf(canary, primary, window) : undefined;
  return {
    seconds: window.end - window.start,
    canaryWeight,
    ...(needs.errors ? { errors } : {}),
    ...(latency ? { latency } : {}),
  };
}

/** One direction of the A/A run. */
export interface AaRun {
  readonly canary: readonly string[];
  readonly primary: readonly string[];
  /** The first window that failed: its index (from 0), its end (unix seconds) and the outcome. */
  readonly firstFail: { readonly window: number; readonly end: number; readonly outcome: JudgeOutcome } | null;
  /** The outcome after the last window; null without windows. */
  readonly last: JudgeOutcome | null;
}

/**
 * Judges `canary` pods against `primary` pods window by window with the Canary's judge (its split
 * check off: two halves of a primary are not meant to carry a weight), from `pre` as `startJudge`
 * freezes it before a rollout.
 */
export function runAa(
  config: JudgeConfig,
  pre: PreRollout,
  halves: { readonly canary: ArmSeries; readonly primary: ArmSeries },
  pods: { readonly canary: readonly string[]; readonly primary: readonly string[] },
  windows: readonly CounterWindow[],
  needs: JudgeNeeds,
): AaRun {
  const aa: JudgeConfig = { ...config, split: null };
  const weight = Math.round((100 * pods.canary.length) / (pods.canary.length + pods.primary.length));
  let state: JudgeState = startJudge(aa, pre);
  let last: JudgeOutcome | null = null;
  let firstFail: AaRun['firstFail'] = null;
  for (const [index, window] of windows.entries()) {
    last = judgeWindow(aa, state, pairWindow(halves.canary, halves.primary, window, needs, weight));
    state = last.state;
    if (last.verdict === 'FAIL') {
      firstFail = { window: index, end: window.end, outcome: last };
      break;
    }
  }
  return { ...pods, firstFail, last };
}

/** What one signal needs before a release can decide on it. */
export interface SignalPlan {
  readonly name: string;
  /** Canary requests; Infinity when it cannot be planned (no events on the primary, zero-event rule off). */
  readonly requests: number;
  /** `plan` from the primary's event rate, `zero-events` when the primary had none. */
  readonly rule: 'plan' | 'zero-events';
}

/** What a step at `weight` needs: every signal must PASS, so the step waits for the largest. */
export interface StepPlan {
  readonly weight: number;
  readonly signals: readonly SignalPlan[];
  /** The largest of the signals' requests. */
  readonly requests: number;
  /** At the primary's current rate and this weight; null without traffic or when unplannable. */
  readonly seconds: number | null;
}

/**
 * The planner's figure per signal at `weight` (percent), from the base rates `startJudge` froze
 * before the (would-be) rollout: the canary requests after which a good canary passes on the plan.
 */
export function planStep(config: JudgeConfig, state: JudgeState, weight: number, ratePerSecond: number): StepPlan {
  const allocation = (100 - weight) / weight;
  const signals = config.signals.map((signal): SignalPlan => {
    const baseRate = state.signals.find((s) => s.name === signal.name)?.baseRate ?? null;
    if (baseRate !== null && baseRate > 0) {
      const input = { ...signal, baseRate, allocation, beta: config.beta };
      return { name: signal.name, requests: plannedCanaryRequests(input), rule: 'plan' };
    }
    const zero = signal.zeroEventRate !== undefined ? zeroEventRequests(signal.zeroEventRate, config.beta) : Infinity;
    return { name: signal.name, requests: zero, rule: 'zero-events' };
  });
  const requests = Math.max(0, ...signals.map((s) => s.requests));
  const canaryRate = (ratePerSecond * weight) / 100;
  const seconds = canaryRate > 0 && Number.isFinite(requests) ? requests / canaryRate : null;
  return { weight, signals, requests, seconds };
}
