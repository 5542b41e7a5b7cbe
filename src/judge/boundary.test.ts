import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freezeBoundary } from './boundary.js';
import { resolveJudgeConfig } from './config.js';
import type { HistogramCounts } from './counters.js';
import { judgeWindow, startJudge } from './verdict.js';

/** The research note's W3 histogram: CDF .30 / .62 / .90 / .975 / .994 / .999 at these bounds. */
const W3: HistogramCounts = {
  le: [0.05, 0.1, 0.25, 0.5, 1, 2.5],
  cumulative: [3000, 6200, 9000, 9750, 9940, 9990],
  count: 10000,
};

describe('latency boundaries frozen before the rollout', () => {
  test('b99 and b90 are the buckets whose primary exceedance is closest to 1% and 10% (W3: 1 s and 0.25 s)', () => {
    assert.deepEqual(freezeBoundary(W3, 0.99), { ok: true, value: { le: 1, quantile: 0.99, exceedance: 0.006 } });
    assert.deepEqual(freezeBoundary(W3, 0.9), { ok: true, value: { le: 0.25, quantile: 0.9, exceedance: 0.1 } });
  });

  test('no bucket within 0.2–5× of the target is a problem that says which shares were seen', () => {
    const coarse: HistogramCounts = { le: [0.1, 10], cumulative: [5000, 10000], count: 10000 };
    const result = freezeBoundary(coarse, 0.99);
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.problem.message,
      /no bucket has between 0.2% and 5% of the primary's requests above it \(0.1: 50%, 10: 0%\)/,
    );
    assert.match(result.ok ? '' : result.problem.fix, /add histogram buckets near the primary's p99/);
  });

  test('too few primary requests before the rollout is a problem naming how many are needed', () => {
    const thin: HistogramCounts = { ...W3, cumulative: W3.cumulative.map((n) => n / 100), count: 100 };
    const result = freezeBoundary(thin, 0.99);
    assert.match(
      result.ok ? '' : result.problem.message,
      /served 100 requests before the rollout, and at least 1000 are needed/,
    );
  });

  test('a p99 beyond the second-highest bucket is noted (quantiles saturate there)', () => {
    const heavy: HistogramCounts = { le: [0.1, 0.5, 1], cumulative: [8000, 9700, 9880], count: 10000 };
    const result = freezeBoundary(heavy, 0.99);
    assert.ok(result.ok);
    assert.equal(result.value.le, 1);
    assert.match(result.value.note ?? '', /lies above the second-highest bucket \(0.5\)/);
  });

  test('P12: canary data never moves a frozen boundary', () => {
    const config = resolveJudgeConfig({ compare: [{ name: 'latency-tail' }, { name: 'latency-body' }] });
    assert.ok(config.ok);
    let state = startJudge(config.value, { latency: W3 });
    const frozen = state.signals.map((s) => s.boundary?.le);
    assert.deepEqual(frozen, [1, 0.25]);
    for (const canaryTail of [0, 500, 2000]) {
      const canary: HistogramCounts = {
        le: W3.le,
        cumulative: [100, 200, 300, 400, 2000 - canaryTail, 2000 - canaryTail],
        count: 2000,
      };
      const primary: HistogramCounts = { le: W3.le, cumulative: [300, 620, 900, 975, 994, 999], count: 1000 };
      state = judgeWindow(config.value, state, {
        seconds: 60,
        canaryWeight: 10,
        latency: { kind: 'histograms', canary, primary },
      }).state;
      assert.deepEqual(
        state.signals.map((s) => s.boundary?.le),
        frozen,
      );
    }
  });
});
