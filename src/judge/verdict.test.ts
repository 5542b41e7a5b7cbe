import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveJudgeConfig, type JudgeConfig, type JudgeSpec } from './config.js';
import type { HistogramCounts } from './counters.js';
import {
  judgeWindow,
  startJudge,
  type JudgeOutcome,
  type JudgeState,
  type JudgeWindow,
  type PreRollout,
} from './verdict.js';

function configOf(spec: JudgeSpec): JudgeConfig {
  const config = resolveJudgeConfig(spec);
  assert.ok(config.ok, config.ok ? '' : config.problem.message);
  return config.value;
}

/** An hour of primary history: 9 pods, 60 slots of 600 requests, 0.1% errors spread evenly. */
const CALM_HISTORY: PreRollout = {
  errors: { requests: 324_000, events: 324 },
  pods: Array.from({ length: 9 }, (_, pod) =>
    Array.from({ length: 60 }, (_, t) => ({ requests: 600, errors: (t + pod) % 5 === 0 ? 3 : 0 })),
  ),
};

const errorsWindow = (nc: number, xc: number, np: number, xp: number, weight = 10): JudgeWindow => ({
  seconds: 60,
  canaryWeight: weight,
  errors: { kind: 'counts', counts: { canary: { requests: nc, events: xc }, primary: { requests: np, events: xp } } },
});

/** Plays windows through the judge like a film; returns every outcome. */
function play(config: JudgeConfig, pre: PreRollout, windows: readonly JudgeWindow[]): JudgeOutcome[] {
  let state: JudgeState = startJudge(config, pre);
  return windows.map((window) => {
    const outcome = judgeWindow(config, state, window);
    state = outcome.state;
    return outcome;
  });
}

describe('the judge, window by window', () => {
  const errorsOnly = configOf({ compare: [{ name: 'error-ratio' }] });

  test('fails the seed’s scenario 2 (canary 1.3% errors, primary 0.1%) in the first minute, with the evidence', () => {
    const [first] = play(errorsOnly, CALM_HISTORY, [errorsWindow(600, 8, 5400, 5)]);
    assert.equal(first?.verdict, 'FAIL');
    const signal = first?.signals[0];
    assert.ok(signal);
    assert.deepEqual(
      [signal.canary, signal.primary],
      [
        { requests: 600, events: 8 },
        { requests: 5400, events: 5 },
      ],
    );
    assert.ok(signal.lower > 1.1 && signal.eFail >= signal.failThreshold);
    assert.equal(signal.failThreshold, 100, 'α = 0.01 on one signal');
    assert.match(
      first?.reason ?? '',
      /^error-ratio: error ratio canary\/primary 14\.40 is above 1\.10: > [\d.]+ at 99% anytime confidence \(e = [\d,.e+]+ ≥ 100\); canary 8\/600 vs primary 5\/5,400 requests$/,
    );
  });

  test('stays FAIL on later windows, even clean ones', () => {
    const outcomes = play(errorsOnly, CALM_HISTORY, [
      errorsWindow(600, 8, 5400, 5),
      ...Array(5).fill(errorsWindow(600, 0, 5400, 5)),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.verdict),
      Array(6).fill('FAIL'),
    );
  });

  test('says CONTINUE with what is still needed while a good canary has too little traffic (W2 at 10 minutes)', () => {
    const [outcome] = play(errorsOnly, CALM_HISTORY, [{ ...errorsWindow(12000, 13, 108000, 104), seconds: 600 }]);
    assert.equal(outcome?.verdict, 'CONTINUE');
    const signal = outcome?.signals[0];
    assert.ok(signal?.needed && signal.upper !== null);
    assert.match(
      signal.reason,
      /^error ratio canary\/primary 1\.13 \(> [\d.]+ at 99%, < 2\.[0-9]+ at 95%; pass below 2\.00, fail above 1\.10\); canary 13\/12,000 vs primary 104\/108,000 requests; needs ≈ [\d,]+ more canary requests \(≈ \d+ min at 20 req\/s\)$/,
    );
    assert.match(outcome?.reason ?? '', /^waiting on error-ratio: /);
  });

  test('PASSes a good canary once the upper bound is below passBelow, and says so', () => {
    const windows = Array.from({ length: 30 }, () => errorsWindow(1200, 1, 10800, 11));
    const outcomes = play(errorsOnly, CALM_HISTORY, windows);
    const first = outcomes.findIndex((o) => o.verdict === 'PASS');
    assert.ok(first > 0, 'passes within 30 windows');
    assert.ok(outcomes.slice(0, first).every((o) => o.verdict === 'CONTINUE'));
    assert.equal(outcomes[first]?.reason, 'every signal passed (error-ratio by bound)');
    assert.match(
      outcomes[first]?.signals[0]?.reason ?? '',
      /is below 2\.00: < 1\.\d+ at 95% anytime confidence \(e = [\d,.]+ ≥ 20\)/,
    );
  });

  test('says "no data yet" before the canary has any request, never FAIL or PASS', () => {
    const before = [errorsWindow(0, 0, 5400, 3, 0), errorsWindow(0, 0, 5400, 9, 0)];
    const outcomes = play(errorsOnly, CALM_HISTORY, before);
    assert.deepEqual(
      outcomes.map((o) => o.verdict),
      ['CONTINUE', 'CONTINUE'],
    );
    assert.equal(outcomes[1]?.signals[0]?.reason, 'no data yet: 0 canary requests in 2 windows');
    // At a 10% weight, a canary that receives nothing is a routing problem: the split check holds.
    assert.equal(play(errorsOnly, CALM_HISTORY, [errorsWindow(0, 0, 5400, 3)])[0]?.verdict, 'HOLD');
  });

  test('promises no number it cannot plan: no base rate and no primary error yet means no "needs ≈ N more"', () => {
    const [outcome] = play(errorsOnly, {}, [errorsWindow(600, 3, 5400, 0)]);
    const signal = outcome?.signals[0];
    assert.equal(signal?.verdict, 'CONTINUE');
    assert.equal(signal?.needed, null);
    assert.doesNotMatch(signal?.reason ?? '', /NaN|needs/);
  });

  test('gives ERROR, naming the problem, for a failed query or impossible counts; the state does not move', () => {
    const config = errorsOnly;
    const state = startJudge(config, CALM_HISTORY);
    const failed = judgeWindow(config, state, {
      seconds: 60,
      canaryWeight: 10,
      errors: { kind: 'error', message: 'prometheus: connection refused' },
    });
    assert.deepEqual([failed.verdict, failed.reason], ['ERROR', 'error-ratio: prometheus: connection refused']);
    const impossible = judgeWindow(config, state, errorsWindow(600, 700, 5400, 1));
    assert.equal(impossible.verdict, 'ERROR');
    assert.equal(
      impossible.signals[0]?.reason,
      'error-ratio counts: canary.events 700 must be a whole number between 0 and canary.requests (600)',
    );
    assert.deepEqual(impossible.state.signals[0]?.test, state.signals[0]?.test);
    const missing = judgeWindow(config, state, { seconds: 60, canaryWeight: 10 });
    assert.match(missing.reason, /no error counts were observed for this window/);
  });

  test('HOLDs when the canary receives half its weight, and FAIL still wins over HOLD', () => {
    const half = play(errorsOnly, CALM_HISTORY, [errorsWindow(300, 0, 5700, 5)]);
    assert.equal(half[0]?.verdict, 'HOLD');
    assert.match(
      half[0]?.reason ?? '',
      /^traffic-split: observed canary share 5% of 6,000 requests vs weight 10% is below 7%/,
    );
    const bad = play(errorsOnly, CALM_HISTORY, [errorsWindow(300, 9, 5700, 5)]);
    assert.equal(bad[0]?.verdict, 'FAIL');
  });

  test('P10: the same state and window give the same outcome, also after the state went through JSON', () => {
    const windows = [errorsWindow(600, 1, 5400, 4), errorsWindow(700, 2, 5300, 6), errorsWindow(650, 0, 5350, 5)];
    const a = play(errorsOnly, CALM_HISTORY, windows);
    const b = play(errorsOnly, CALM_HISTORY, windows);
    assert.deepEqual(a, b);
    const stored: JudgeState = JSON.parse(JSON.stringify(a[1]?.state));
    assert.deepEqual(judgeWindow(errorsOnly, stored, windows[2]!), a[2]);
  });
});

describe('latency signals through histograms', () => {
  const le = [0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const pre: PreRollout = { latency: { le, cumulative: [30000, 62000, 90000, 97500, 99400, 99900], count: 100000 } };
  const hist = (count: number, shares: number[]): HistogramCounts => ({
    le,
    cumulative: shares.map((s) => Math.round(s * count)),
    count,
  });
  const latencyOnly = configOf({ compare: [{ name: 'latency-tail' }, { name: 'latency-body' }] });

  test('W3: a regression in the tail only FAILs both boundaries in the first minute', () => {
    const canary = hist(1200, [0.3, 0.6, 0.82, 0.93, 0.975, 0.99]);
    const primary = hist(10800, [0.3, 0.62, 0.9, 0.975, 0.994, 0.999]);
    const [outcome] = play(latencyOnly, pre, [
      { seconds: 60, canaryWeight: 10, latency: { kind: 'histograms', canary, primary } },
    ]);
    assert.equal(outcome?.verdict, 'FAIL');
    assert.deepEqual(
      outcome?.signals.map((s) => [s.name, s.verdict, s.boundary]),
      [
        ['latency-tail', 'FAIL', 1],
        ['latency-body', 'FAIL', 0.25],
      ],
    );
    assert.match(
      outcome?.signals[0]?.reason ?? '',
      /^tail latency exceedance above 1 s canary\/primary 4\.15 is above 1\.10/,
    );
  });

  test('gives ERROR when the canary’s buckets differ from the primary’s', () => {
    const canary: HistogramCounts = { le: [0.1, 0.3, 1], cumulative: [1, 2, 3], count: 4 };
    const [outcome] = play(latencyOnly, pre, [
      {
        seconds: 60,
        canaryWeight: 10,
        latency: { kind: 'histograms', canary, primary: hist(100, [0.3, 0.6, 0.9, 0.97, 0.99, 1]) },
      },
    ]);
    assert.equal(outcome?.verdict, 'ERROR');
    assert.match(
      outcome?.reason ?? '',
      /latency-tail: incomparable histograms: canary buckets \[0\.1, 0\.3, 1\] differ from primary buckets/,
    );
  });

  test('gives ERROR for a latency signal whose boundary could not be frozen, with the fix', () => {
    const [outcome] = play(latencyOnly, { latency: { le, cumulative: [5, 6, 7, 8, 9, 10], count: 10 } }, [
      {
        seconds: 60,
        canaryWeight: 10,
        latency: {
          kind: 'histograms',
          canary: hist(100, [0.3, 0.6, 0.9, 0.97, 0.99, 1]),
          primary: hist(900, [0.3, 0.6, 0.9, 0.97, 0.99, 1]),
        },
      },
    ]);
    assert.equal(outcome?.verdict, 'ERROR');
    assert.match(
      outcome?.reason ?? '',
      /cannot place a p99 latency boundary: the primary served 10 requests before the rollout, and at least 1000 are needed: lengthen/,
    );
  });
});
