/**
 * Simulated releases for the judge's Monte-Carlo tests and its bench: windows of binomial counts per
 * arm (optionally per pod, with gamma shocks for bursty pods), fed to a count test one look at a
 * time. Everything is drawn from a seeded generator, so a run replays exactly.
 */
import { CountTest, type CountTestSettings } from '../count-test.js';
import type { HistogramCounts } from '../counters.js';
import type { ArmCounts, WindowCounts } from '../model.js';
import { normalCdf, type Rng } from './random.test-support.js';

/** Requests and per-request event probability of one arm in one window. */
export interface ArmPlan {
  readonly requests: number;
  readonly rate: number;
}

/** Binomial counts for one window. */
export function drawWindow(rng: Rng, canary: ArmPlan, primary: ArmPlan): WindowCounts {
  return {
    canary: { requests: canary.requests, events: rng.binomial(canary.requests, Math.min(1, canary.rate)) },
    primary: { requests: primary.requests, events: rng.binomial(primary.requests, Math.min(1, primary.rate)) },
  };
}

/**
 * One arm served by `pods` pods with `requestsPerPod` each; with a `shape`, each pod's rate in this
 * window is multiplied by a gamma shock of mean 1 and variance 1/shape (a bursty minute).
 */
export function drawPods(
  rng: Rng,
  pods: number,
  requestsPerPod: number,
  rate: number,
  shape: number | null,
): ArmCounts[] {
  return Array.from({ length: pods }, () => {
    const shock = shape === null ? 1 : rng.gammaShock(shape);
    return { requests: requestsPerPod, events: rng.binomial(requestsPerPod, Math.min(1, rate * shock)) };
  });
}

export const sumArm = (pods: readonly ArmCounts[]): ArmCounts => ({
  requests: pods.reduce((s, p) => s + p.requests, 0),
  events: pods.reduce((s, p) => s + p.events, 0),
});

/** When a simulated release decided, in windows and canary requests (null: never). */
export interface ReleaseResult {
  readonly failedAt: number | null;
  readonly passedAt: number | null;
  readonly canaryRequestsAtFail: number | null;
  readonly canaryRequestsAtPass: number | null;
}

/** How long to keep feeding windows. */
export type StopRule = 'fail' | 'decision' | 'never';

/**
 * Feeds up to `windows` windows from `draw` (given the window index) to a fresh count test, looking
 * after every one. Stops at the first FAIL (`fail`), the first FAIL or PASS (`decision`), or never.
 */
export function runRelease(
  settings: CountTestSettings,
  windows: number,
  draw: (w: number) => WindowCounts,
  stop: StopRule,
): ReleaseResult {
  const test = CountTest.start(settings);
  let result: ReleaseResult = {
    failedAt: null,
    passedAt: null,
    canaryRequestsAtFail: null,
    canaryRequestsAtPass: null,
  };
  for (let w = 0; w < windows; w++) {
    test.add(draw(w));
    const verdict = test.verdict();
    const seen = test.toState().canary.requests;
    if (verdict === 'FAIL' && result.failedAt === null)
      result = { ...result, failedAt: w + 1, canaryRequestsAtFail: seen };
    if (verdict === 'PASS' && result.passedAt === null)
      result = { ...result, passedAt: w + 1, canaryRequestsAtPass: seen };
    if (stop === 'fail' && result.failedAt !== null) break;
    if (stop === 'decision' && (result.failedAt !== null || result.passedAt !== null)) break;
  }
  return result;
}

/** The q-quantile of finite values (nearest rank); Infinity stands for "never". */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** One Monte-Carlo standard error of a proportion near `target` over `runs` runs. */
export function standardError(target: number, runs: number): number {
  return Math.sqrt((target * (1 - target)) / runs);
}

/** Acceptance bound for a rate that must not exceed `target`: the target plus 3 standard errors. */
export function upperAcceptance(target: number, runs: number): number {
  return target + 3 * standardError(target, runs);
}

/** Fraction of runs where `hit` holds. */
export function fraction<T>(runs: readonly T[], hit: (run: T) => boolean): number {
  return runs.filter(hit).length / runs.length;
}

/** Log-normal latencies bucketed into a classic histogram: the CDF at each bound. */
export function lognormalCdf(le: readonly number[], median: number, sigma: number): number[] {
  return le.map((bound) => normalCdf(Math.log(bound / median) / sigma));
}

/** A histogram of `requests` latencies drawn with the given CDF at the bounds (multinomial). */
export function drawHistogram(
  rng: Rng,
  le: readonly number[],
  cdf: readonly number[],
  requests: number,
): HistogramCounts {
  let [left, previous, cumulative] = [requests, 0, 0];
  const counts = cdf.map((p) => {
    const share = previous < 1 ? Math.min(1, Math.max(0, (p - previous) / (1 - previous))) : 0;
    const k = left > 0 ? rng.binomial(left, share) : 0;
    [left, previous, cumulative] = [left - k, p, cumulative + k];
    return cumulative;
  });
  return { le, cumulative: counts, count: requests };
}
