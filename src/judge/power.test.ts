/**
 * Monte-Carlo checks that the judge catches regressions fast and passes bad canaries rarely, and that
 * its confidence bounds and planner hold up (research note §6.9: P4, P5, P13, P14, P17; the issue's
 * "0.1% → 0.5% within a median of 2,500 canary requests" and "latency p99 +20% caught"). Fixed seeds;
 * rates are checked against their target plus 3 Monte-Carlo standard errors for the runs used.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveJudgeConfig } from './config.js';
import { CountTest, type CountTestSettings } from './count-test.js';
import { plannedCanaryRequests } from './planner.js';
import { seededRng } from './testing/random.test-support.js';
import {
  drawHistogram,
  drawWindow,
  lognormalCdf,
  quantile,
  runRelease,
  upperAcceptance,
} from './testing/releases.test-support.js';
import { judgeWindow, startJudge } from './verdict.js';

/** α = 0.01 over three signals, β = 0.05, 10 canary and 90 primary requests per second, 1-min windows. */
const DEFAULT: CountTestSettings = { failAbove: 1.1, passBelow: 2, alpha: 0.01 / 3, beta: 0.05, phi: 1 };
const CANARY = 600;
const PRIMARY = 5400;

const within = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual / expected - 1) <= relative, `${what}: ${actual} vs ${expected} (±${relative * 100}%)`);

describe('catching regressions and passing good canaries', () => {
  test('P5: errors 0.1% → 0.5% FAIL within 10 windows in ≥ 90% of releases, after a median ≤ 2,500 canary requests', (t) => {
    const rng = seededRng(500);
    const runs = Array.from({ length: 1000 }, () =>
      runRelease(
        DEFAULT,
        30,
        () => drawWindow(rng, { requests: CANARY, rate: 0.005 }, { requests: PRIMARY, rate: 0.001 }),
        'fail',
      ),
    );
    const requests = runs.map((r) => r.canaryRequestsAtFail ?? Infinity);
    const withinTen = runs.filter((r) => r.failedAt !== null && r.failedAt <= 10).length / runs.length;
    t.diagnostic(
      `median ${quantile(requests, 0.5)}, p90 ${quantile(requests, 0.9)} canary requests; ${withinTen} within 10 windows`,
    );
    assert.ok(withinTen >= 0.9, `${withinTen} of releases failed within 10 windows`);
    assert.ok(quantile(requests, 0.5) <= 2500, `median ${quantile(requests, 0.5)}`);
  });

  test('P5: good canaries PASS as fast as the research note measured (±20%): errors at 1% and 0.1%, a 1% latency tail', (t) => {
    const rng = seededRng(501);
    for (const [rate, passBelow, median, windows] of [
      [0.01, 2, 1800, 60],
      [0.001, 2, 12600, 200],
      [0.01, 1.5, 5400, 100],
    ] as const) {
      const settings = { ...DEFAULT, passBelow };
      const runs = Array.from({ length: 500 }, () =>
        runRelease(
          settings,
          windows,
          () => drawWindow(rng, { requests: CANARY, rate }, { requests: PRIMARY, rate }),
          'decision',
        ),
      );
      const passed = quantile(
        runs.map((r) => r.canaryRequestsAtPass ?? Infinity),
        0.5,
      );
      t.diagnostic(`rate ${rate}, passBelow ${passBelow}: median ${passed} canary requests to PASS`);
      within(passed, median, 0.2, `rate ${rate}, passBelow ${passBelow}`);
    }
  });

  test('P4: a canary exactly passBelow (2×) worse crosses the PASS threshold in at most β of 2,000 releases', (t) => {
    const rng = seededRng(400);
    const runs = 2000;
    let crossed = 0;
    for (let run = 0; run < runs; run++) {
      const judged = CountTest.start(DEFAULT);
      // 100 canary requests a window: many looks for the information, the hardest case for validity.
      for (let w = 0; w < 120; w++)
        judged.add(drawWindow(rng, { requests: 100, rate: 0.02 }, { requests: 900, rate: 0.01 }));
      // The PASS e-process on its own, whether or not a FAIL came first.
      if (judged.toState().maxEPass >= 1 / DEFAULT.beta) crossed++;
    }
    const bound = upperAcceptance(DEFAULT.beta, runs);
    t.diagnostic(`PASS e-value crossed 1/β in ${crossed / runs} of releases (bound ${bound.toFixed(4)})`);
    assert.ok(crossed / runs <= bound, `false PASS rate ${crossed / runs} > ${bound}`);
  });

  test('P13, P14: the bounds cover the true ratio (0.5, 1, 2, 5) at every look with probability ≥ 1 − α − β, and never widen', (t) => {
    const rng = seededRng(1300);
    const runs = 500;
    const bound = upperAcceptance(DEFAULT.alpha + DEFAULT.beta, runs);
    for (const ratio of [0.5, 1, 2, 5]) {
      let missed = 0;
      for (let run = 0; run < runs; run++) {
        const judged = CountTest.start(DEFAULT);
        let [lower, upper, covered] = [0, Infinity, true];
        for (let w = 0; w < 30; w++) {
          judged.add(drawWindow(rng, { requests: CANARY, rate: 0.005 * ratio }, { requests: PRIMARY, rate: 0.005 }));
          const now = judged.look();
          assert.ok(now.lower >= lower && now.upper <= upper, 'the running bounds never widen');
          [lower, upper] = [now.lower, now.upper];
          covered &&= lower < ratio && ratio < upper;
        }
        if (!covered) missed++;
      }
      t.diagnostic(`ratio ${ratio}: truth left the bounds in ${missed / runs} of runs (bound ${bound.toFixed(4)})`);
      assert.ok(missed / runs <= bound, `ratio ${ratio}: ${missed / runs} > ${bound}`);
    }
  });

  test('P17: the planner lands within ±30% of the simulated 90th percentile of requests to FAIL', (t) => {
    const rng = seededRng(1700);
    for (const [rate, ratio, perWindow] of [
      [0.01, 2, 100],
      [0.01, 3, 100],
      [0.001, 3, 200],
      [0.001, 5, 100],
      [0.01, 1.5, 200],
    ] as const) {
      const settings = { ...DEFAULT, passBelow: ratio };
      const runs = Array.from({ length: 400 }, () =>
        runRelease(
          settings,
          5000,
          () => drawWindow(rng, { requests: perWindow, rate: rate * ratio }, { requests: 9 * perWindow, rate }),
          'fail',
        ),
      );
      const p90 = quantile(
        runs.map((r) => r.canaryRequestsAtFail ?? Infinity),
        0.9,
      );
      const plan = plannedCanaryRequests({ ...settings, baseRate: rate, allocation: 9 });
      t.diagnostic(`rate ${rate}, ratio ${ratio}: plan ${plan}, simulated p90 ${p90}`);
      within(plan, p90, 0.3, `rate ${rate}, ratio ${ratio}`);
    }
  });

  test('a p99 latency +20% (log-normal, σ = 0.5) FAILs on the tail boundary within 3,600 canary requests in ≥ 90% of releases', (t) => {
    const le = [0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.75, 1, 2.5];
    const primaryCdf = lognormalCdf(le, 0.1, 0.5);
    const canaryCdf = lognormalCdf(le, 0.12, 0.5);
    const config = resolveJudgeConfig({ compare: [{ name: 'latency-tail' }] });
    assert.ok(config.ok);
    const rng = seededRng(2000);
    const runs = 300;
    let caught = 0;
    for (let run = 0; run < runs; run++) {
      // The boundary is frozen from an hour of the primary's data, then each window is judged.
      let state = startJudge(config.value, { latency: drawHistogram(rng, le, primaryCdf, 324_000) });
      for (let w = 0; w < 6; w++) {
        const canary = drawHistogram(rng, le, canaryCdf, CANARY);
        const primary = drawHistogram(rng, le, primaryCdf, PRIMARY);
        const outcome = judgeWindow(config.value, state, {
          seconds: 60,
          canaryWeight: 10,
          latency: { kind: 'histograms', canary, primary },
        });
        state = outcome.state;
        if (outcome.verdict === 'FAIL') {
          caught++;
          break;
        }
      }
    }
    t.diagnostic(`caught within 3,600 canary requests in ${caught / runs} of releases`);
    assert.ok(caught / runs >= 0.9, `${caught / runs}`);
  });
});
