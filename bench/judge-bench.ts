/**
 * The statistical judge against a fixed threshold, on the same simulated releases in one run.
 *
 * A service at 10 canary and 90 primary requests per second (1 canary pod, 9 primary pods), judged
 * every 1-minute window. Errors come in bursts: each pod's error rate in each minute is multiplied
 * by a gamma shock of mean 1 and variance 0.5 (shape 2). The judge runs with its defaults (α = 0.01
 * over three signals, failAbove 1.1, passBelow 2) and φ estimated from an hour of the primary pods'
 * history; only its error-ratio signal is simulated. The fixed threshold is the seed's: the canary's
 * success rate must stay ≥ 99% in each window, and the third failed check rolls back (threshold 3).
 *
 * - false alarms: both arms at 0.5% errors (a 99.5% success rate, near the seed's 99% bound) for a
 *   30-minute release;
 * - requests to detect: the canary at 2.5% errors (5× worse), up to 60 minutes; a release never
 *   caught counts as never;
 * - the sparse case of issue #15: 0.1% → 0.5% errors, where a 99% bound cannot see the regression.
 */
import { resolveJudgeConfig } from '../src/judge/config.js';
import { CountTest, type CountTestSettings } from '../src/judge/count-test.js';
import { estimateDispersion } from '../src/judge/dispersion.js';
import type { WindowCounts } from '../src/judge/model.js';
import { seededRng, type Rng } from '../src/judge/testing/random.test-support.js';
import { drawPods, quantile, sumArm } from '../src/judge/testing/releases.test-support.js';
import type { Figure } from './run.js';

const RUNS = 2000;
const PER_POD = 600;
const PRIMARY_PODS = 9;
const SHAPE = 2;
const RELEASE_WINDOWS = 30;
const DETECT_WINDOWS = 60;
/** The seed's `threshold: 3` and `request-success-rate` `thresholdRange.min: 99`. */
const FIXED = { threshold: 3, minSuccess: 0.99 };

interface Scenario {
  readonly canaryRate: number;
  readonly primaryRate: number;
  readonly shape: number | null;
}

/** When each way of judging rolled a release back, in canary requests (Infinity: never). */
interface Verdicts {
  readonly judge: number;
  readonly fixed: number;
}

function judgeSettings(phi: number): CountTestSettings {
  const config = resolveJudgeConfig({});
  if (!config.ok) throw new Error(config.problem.message);
  const errors = config.value.signals.find((s) => s.name === 'error-ratio');
  if (errors === undefined) throw new Error('the default judge has no error-ratio signal');
  return {
    failAbove: errors.failAbove,
    passBelow: errors.passBelow,
    alpha: errors.alpha,
    beta: config.value.beta,
    phi,
  };
}

function release(rng: Rng, scenario: Scenario, windows: number): Verdicts {
  const history = Array.from({ length: PRIMARY_PODS }, () =>
    Array.from({ length: 60 }, () => drawPods(rng, 1, PER_POD, scenario.primaryRate, scenario.shape)[0]!),
  );
  const judge = CountTest.start(judgeSettings(estimateDispersion(history).phi));
  let [judged, fixed, failedChecks] = [Infinity, Infinity, 0];
  for (let w = 1; w <= windows && (judged === Infinity || fixed === Infinity); w++) {
    const window: WindowCounts = {
      canary: sumArm(drawPods(rng, 1, PER_POD, scenario.canaryRate, scenario.shape)),
      primary: sumArm(drawPods(rng, PRIMARY_PODS, PER_POD, scenario.primaryRate, scenario.shape)),
    };
    judge.add(window);
    if (judged === Infinity && judge.verdict() === 'FAIL') judged = w * PER_POD;
    if (1 - window.canary.events / window.canary.requests < FIXED.minSuccess) failedChecks++;
    if (fixed === Infinity && failedChecks >= FIXED.threshold) fixed = w * PER_POD;
  }
  return { judge: judged, fixed };
}

function simulate(name: string, seed: number, scenario: Scenario, windows: number, runs = RUNS): Verdicts[] {
  const rng = seededRng(seed);
  const started = performance.now();
  const results: Verdicts[] = [];
  for (let run = 0; run < runs; run++) {
    results.push(release(rng, scenario, windows));
    if ((run + 1) % 500 === 0) process.stderr.write(`[judge-bench] ${name}: ${run + 1}/${runs} releases\n`);
  }
  process.stderr.write(`[judge-bench] ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return results;
}

const rate = (runs: readonly Verdicts[], pick: (v: Verdicts) => number) =>
  runs.filter((v) => Number.isFinite(pick(v))).length / runs.length;

export function benchJudge(): Promise<readonly Figure[]> {
  const good = simulate(
    'A/A at 0.5% errors',
    15_001,
    { canaryRate: 0.005, primaryRate: 0.005, shape: SHAPE },
    RELEASE_WINDOWS,
  );
  const bad = simulate(
    '0.5% → 2.5% errors',
    15_002,
    { canaryRate: 0.025, primaryRate: 0.005, shape: SHAPE },
    DETECT_WINDOWS,
  );
  const sparse = simulate(
    '0.1% → 0.5% errors',
    15_003,
    { canaryRate: 0.005, primaryRate: 0.001, shape: null },
    DETECT_WINDOWS,
    1000,
  );
  const judgeDetect = bad.map((v) => v.judge);
  const sparseDetect = sparse.map((v) => v.judge);
  return Promise.resolve([
    { name: 'judge_false_alarm_rate', value: rate(good, (v) => v.judge), unit: 'ratio' },
    { name: 'judge_requests_to_detect_p50', value: quantile(judgeDetect, 0.5), unit: 'requests' },
    { name: 'judge_requests_to_detect_p90', value: quantile(judgeDetect, 0.9), unit: 'requests' },
    { name: 'fixed_threshold_false_alarm_rate', value: rate(good, (v) => v.fixed), unit: 'ratio' },
    {
      name: 'fixed_threshold_requests_to_detect_p50',
      value: quantile(
        bad.map((v) => v.fixed),
        0.5,
      ),
      unit: 'requests',
    },
    { name: 'judge_sparse_requests_to_detect_p50', value: quantile(sparseDetect, 0.5), unit: 'requests' },
    { name: 'judge_sparse_detected_rate', value: rate(sparse, (v) => v.judge), unit: 'ratio' },
    { name: 'fixed_threshold_sparse_detected_rate', value: rate(sparse, (v) => v.fixed), unit: 'ratio' },
  ]);
}
