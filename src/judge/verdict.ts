/**
 * The judge per analysis window: `startJudge` freezes what must not depend on the canary (latency
 * boundaries, over-dispersion, base rates) from the primary's pre-rollout data; `judgeWindow` feeds
 * one window's counts to every signal and returns the next state, each signal's verdict with its
 * evidence, and the combined verdict (research note §6.4):
 *
 * - any signal FAIL → FAIL (sticky: a failed signal stays failed for the release);
 * - else any signal ERROR → ERROR (the counts could not be read; the engine counts a failed check);
 * - else the split shown out of band → HOLD (keep the weight; never a rollback on its own);
 * - else every judged signal PASS → PASS (advance now, or promote at the last step);
 * - else CONTINUE, saying what is still needed.
 *
 * Pure: same config, state and window give the same result, with no clock, I/O or randomness.
 */
import type { Problem } from '../lib/result.js';
import { freezeBoundary, type FrozenBoundary } from './boundary.js';
import type { JudgeConfig, SignalConfig } from './config.js';
import { CountTest, type CountTestSettings, type CountTestState } from './count-test.js';
import { requestsAbove, sameBuckets, type HistogramCounts } from './counters.js';
import { DEFAULT_PHI, estimateDispersion, type Dispersion } from './dispersion.js';
import { countsProblem, type ArmCounts, type CountSignalName, type SignalObservation, type Verdict } from './model.js';
import { countReport, type SignalReport } from './report.js';
import { checkSplit, type SplitResult, type SplitState } from './split.js';

/** One primary pod's history slot: requests, errors and (when known) its latency histogram. */
export interface PodSlot {
  readonly requests: number;
  readonly errors: number;
  readonly latency?: HistogramCounts;
}

/** The primary's data before the rollout (e.g. the last 60 minutes). */
export interface PreRollout {
  /** The primary's requests and errors. */
  readonly errors?: ArmCounts;
  /** The primary's latency histogram. */
  readonly latency?: HistogramCounts;
  /** Per primary pod, its slots (same slots for every pod), for over-dispersion. */
  readonly pods?: readonly (readonly PodSlot[])[];
}

/** One judged signal's state. */
export interface SignalState {
  readonly name: CountSignalName;
  readonly phi: number;
  /** Where φ came from, in one sentence. */
  readonly phiReason: string;
  /** The primary's event rate before the rollout (for the planner); null when unknown. */
  readonly baseRate: number | null;
  /** Latency signals: the boundary frozen before the rollout. */
  readonly boundary: FrozenBoundary | null;
  /** Why this signal cannot be judged in this release; null when it can. */
  readonly problem: Problem | null;
  readonly test: CountTestState;
}

/** The judge's state, plain JSON, carried from window to window (on the Canary's status). */
export interface JudgeState {
  readonly signals: readonly SignalState[];
  readonly split: SplitState | null;
}

/** One analysis window as the metrics source saw it. */
export interface JudgeWindow {
  /** Length of the window in seconds (for rates and time estimates). */
  readonly seconds: number;
  /** The canary weight configured during the window, in percent. */
  readonly canaryWeight: number;
  /** Requests and errors per arm. */
  readonly errors?: SignalObservation;
  /** Latency histograms per arm (the window's increases). */
  readonly latency?:
    | { readonly kind: 'histograms'; readonly canary: HistogramCounts; readonly primary: HistogramCounts }
    | { readonly kind: 'error'; readonly message: string };
}

/** What the judge says after a window. */
export interface JudgeOutcome {
  readonly state: JudgeState;
  readonly verdict: Verdict;
  /** One plain sentence. */
  readonly reason: string;
  readonly signals: readonly SignalReport[];
  readonly split: SplitResult | null;
}

const LABELS: Record<CountSignalName, { label: string; events: string }> = {
  'error-ratio': { label: 'error ratio', events: 'errors' },
  'latency-tail': { label: 'tail latency exceedance', events: 'slow requests' },
  'latency-body': { label: 'body latency exceedance', events: 'slow requests' },
};

/** Freezes boundaries, φ and base rates from the primary's pre-rollout data. Never reads canary data. */
export function startJudge(config: JudgeConfig, pre: PreRollout): JudgeState {
  const empty = CountTest.start({ failAbove: 1.1, passBelow: 2, alpha: 0.01, beta: 0.05, phi: 1 }).toState();
  const signals = config.signals.map((signal): SignalState => {
    if (signal.name === 'error-ratio') {
      const errors = pre.errors ?? sumPods(pre.pods ?? []);
      const history = (pre.pods ?? []).map((slots) => slots.map((s) => ({ requests: s.requests, events: s.errors })));
      const dispersion = pre.pods ? estimateDispersion(history) : noHistory();
      return {
        name: signal.name,
        ...phiOf(dispersion),
        baseRate: errors.requests > 0 ? errors.events / errors.requests : null,
        boundary: null,
        problem: null,
        test: empty,
      };
    }
    return startLatency(signal, pre, empty);
  });
  return { signals, split: null };
}

function startLatency(signal: SignalConfig, pre: PreRollout, empty: CountTestState): SignalState {
  const quantile = signal.quantile ?? 0.99;
  const frozen = pre.latency
    ? freezeBoundary(pre.latency, quantile)
    : ({
        ok: false,
        problem: {
          message: `cannot place a latency boundary for ${signal.name}: no primary latency histogram before the rollout`,
          fix: 'give the judge the primary histogram of the pre-rollout period',
        },
      } as const);
  if (!frozen.ok) {
    return {
      name: signal.name,
      phi: DEFAULT_PHI,
      phiReason: '',
      baseRate: null,
      boundary: null,
      problem: frozen.problem,
      test: empty,
    };
  }
  const le = frozen.value.le;
  const pods = pre.pods ?? [];
  const withLatency = pods.length > 0 && pods.every((slots) => slots.every((s) => s.latency !== undefined));
  const history = pods.map((slots) =>
    slots.map((s) => (s.latency ? exceedance(s.latency, le) : { requests: 0, events: 0 })),
  );
  return {
    name: signal.name,
    ...phiOf(withLatency ? estimateDispersion(history) : noHistory()),
    baseRate: frozen.value.exceedance,
    boundary: frozen.value,
    problem: null,
    test: empty,
  };
}

function exceedance(h: HistogramCounts, le: number): ArmCounts {
  const above = requestsAbove(h, le);
  return above.ok ? above.value : { requests: 0, events: 0 };
}

const noHistory = (): Dispersion => ({
  phi: DEFAULT_PHI,
  estimate: null,
  reason: `φ = ${DEFAULT_PHI}: no per-pod history of the primary to estimate over-dispersion from`,
});
const phiOf = (d: Dispersion) => ({ phi: d.phi, phiReason: d.reason });

function sumPods(pods: readonly (readonly PodSlot[])[]): ArmCounts {
  const slots = pods.flat();
  return { requests: slots.reduce((s, x) => s + x.requests, 0), events: slots.reduce((s, x) => s + x.errors, 0) };
}

/** The count-test settings of a signal in this release. */
export function settingsOf(config: JudgeConfig, signal: SignalConfig, state: SignalState): CountTestSettings {
  return {
    failAbove: signal.failAbove,
    passBelow: signal.passBelow,
    alpha: signal.alpha,
    beta: config.beta,
    phi: state.phi,
    baseRate: state.baseRate ?? undefined,
    zeroEventRate: signal.zeroEventRate,
  };
}

/** This window's counts for a signal, or why there are none. */
function observe(state: SignalState, window: JudgeWindow): SignalObservation {
  if (state.name === 'error-ratio') {
    return window.errors ?? { kind: 'error', message: 'no error counts were observed for this window' };
  }
  const latency = window.latency;
  if (latency === undefined) return { kind: 'error', message: 'no latency histograms were observed for this window' };
  if (latency.kind === 'error') return latency;
  const same = sameBuckets(latency.canary, latency.primary);
  if (!same.ok) return { kind: 'error', message: `${same.problem.message}: ${same.problem.fix}` };
  const le = state.boundary?.le ?? NaN;
  const canary = requestsAbove(latency.canary, le);
  const primary = requestsAbove(latency.primary, le);
  if (!canary.ok) return { kind: 'error', message: `${canary.problem.message}: ${canary.problem.fix}` };
  if (!primary.ok) return { kind: 'error', message: `${primary.problem.message}: ${primary.problem.fix}` };
  return { kind: 'counts', counts: { canary: canary.value, primary: primary.value } };
}

function judgeSignal(
  config: JudgeConfig,
  signal: SignalConfig,
  state: SignalState,
  window: JudgeWindow,
): { state: SignalState; report: SignalReport } {
  const test = CountTest.fromState(settingsOf(config, signal, state), state.test);
  const boundary = state.boundary?.le ?? null;
  const names = LABELS[signal.name];
  const label = boundary === null ? names.label : `${names.label} above ${boundary} s`;
  const events = boundary === null ? names.events : `requests slower than ${boundary} s`;
  const problem = state.problem ? `${state.problem.message}: ${state.problem.fix}` : null;
  const observation: SignalObservation = problem ? { kind: 'error', message: problem } : observe(state, window);
  const invalid = observation.kind === 'counts' ? countsProblem(observation.counts) : null;
  if (observation.kind === 'counts' && invalid === null) {
    test.add(observation.counts);
    test.look();
  }
  const seen = observation.kind === 'counts' && window.seconds > 0;
  const canaryRate = seen ? observation.counts.canary.requests / window.seconds : 0;
  const report = countReport(test, { name: signal.name, label, events, boundary, canaryRate });
  const error =
    observation.kind === 'error' ? observation.message : invalid === null ? null : `${signal.name} counts: ${invalid}`;
  const next = { ...state, test: test.toState() };
  if (error === null || report.verdict === 'FAIL') return { state: next, report };
  return { state: next, report: { ...report, verdict: 'ERROR', passedBy: null, needed: null, reason: error } };
}

/** A signal added to the spec during a release: nothing was frozen for it, so it cannot be judged. */
function addedLate(signal: SignalConfig): SignalState {
  return {
    name: signal.name,
    phi: DEFAULT_PHI,
    phiReason: '',
    baseRate: null,
    boundary: null,
    problem: {
      message: `${signal.name} was added to the judge during the release, after its pre-rollout data was frozen`,
      fix: 'it is judged from the next release on; remove it to judge this one without it',
    },
    test: CountTest.start({ failAbove: 1.1, passBelow: 2, alpha: 0.01, beta: 0.05, phi: 1 }).toState(),
  };
}

/** Requests per arm for the split check: from the error counts, else the latency histograms. */
function trafficOf(window: JudgeWindow): { canaryRequests: number; primaryRequests: number } | null {
  if (window.errors?.kind === 'counts' && countsProblem(window.errors.counts) === null) {
    return {
      canaryRequests: window.errors.counts.canary.requests,
      primaryRequests: window.errors.counts.primary.requests,
    };
  }
  if (window.latency?.kind === 'histograms') {
    return { canaryRequests: window.latency.canary.count, primaryRequests: window.latency.primary.count };
  }
  return null;
}

/** Feeds one window to every signal and combines the verdicts. */
export function judgeWindow(config: JudgeConfig, state: JudgeState, window: JudgeWindow): JudgeOutcome {
  const judged = config.signals.map((signal) => {
    const signalState = state.signals.find((s) => s.name === signal.name) ?? addedLate(signal);
    return judgeSignal(config, signal, signalState, window);
  });
  const traffic = trafficOf(window);
  const split =
    config.split && traffic ? checkSplit(config.split, state.split, { weight: window.canaryWeight, ...traffic }) : null;
  const reports = judged.map((j) => j.report);
  const next: JudgeState = { signals: judged.map((j) => j.state), split: split?.state ?? state.split };
  return { state: next, ...combine(reports, split), signals: reports, split };
}

/** The combined verdict and its sentence (research note §6.4). */
export function combine(
  reports: readonly SignalReport[],
  split: SplitResult | null,
): { verdict: JudgeOutcome['verdict']; reason: string } {
  const named = (rs: readonly SignalReport[]) => rs.map((r) => `${r.name}: ${r.reason}`).join('; ');
  const failed = reports.filter((r) => r.verdict === 'FAIL');
  if (failed.length > 0) return { verdict: 'FAIL', reason: named(failed) };
  const errors = reports.filter((r) => r.verdict === 'ERROR');
  if (errors.length > 0) return { verdict: 'ERROR', reason: named(errors) };
  if (split?.verdict === 'HOLD') return { verdict: 'HOLD', reason: `traffic-split: ${split.reason}` };
  const waiting = reports.filter((r) => r.verdict !== 'PASS');
  if (waiting.length === 0) {
    return {
      verdict: 'PASS',
      reason: `every signal passed (${reports.map((r) => `${r.name} by ${r.passedBy ?? 'bound'}`).join(', ')})`,
    };
  }
  return { verdict: 'CONTINUE', reason: `waiting on ${named(waiting)}` };
}
