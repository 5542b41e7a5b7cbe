import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveJudgeConfig } from './config.js';

describe('judge settings', () => {
  test('default to α = 0.01 split evenly over three signals, β = 0.05, failAbove 1.1, passBelow 2 / 1.5', () => {
    const config = resolveJudgeConfig({});
    assert.ok(config.ok);
    const { alpha, beta, signals, split } = config.value;
    assert.deepEqual([alpha, beta], [0.01, 0.05]);
    assert.deepEqual(
      signals.map((s) => [s.name, s.failAbove, s.passBelow, s.quantile]),
      [
        ['error-ratio', 1.1, 2, undefined],
        ['latency-tail', 1.1, 1.5, 0.99],
        ['latency-body', 1.1, 1.5, 0.9],
      ],
    );
    assert.ok(Math.abs(signals.reduce((s, x) => s + x.alpha, 0) - alpha) < 1e-15, 'Σ α_i = α');
    assert.deepEqual(split, { tolerance: 0.3, alpha: 0.001 });
    assert.ok(Object.isFrozen(config.value));
  });

  test('split α by the given weights', () => {
    const config = resolveJudgeConfig({ compare: [{ name: 'error-ratio', weight: 3 }, { name: 'latency-tail' }] });
    assert.ok(config.ok);
    assert.deepEqual(
      config.value.signals.map((s) => s.alpha),
      [0.0075, 0.0025],
    );
  });

  test('name the field, quote the value and say how to fix it', () => {
    const cases: [object, RegExp, RegExp][] = [
      [{ falseRollbackRate: 5 }, /^spec\.analysis\.judge\.falseRollbackRate 5 must be between 0 and 0\.5$/, /0\.01/],
      [
        { compare: [{ name: 'latency-tail', passBelow: 1.05 }] },
        /compare\[0\]\.passBelow 1\.05 must be above failAbove \(1\.1\)/,
        /use 1\.65/,
      ],
      [
        { compare: [{ name: 'errors' }] },
        /compare\[0\]\.name "errors" is not a judged signal/,
        /error-ratio, latency-tail, latency-body/,
      ],
      [
        { compare: [{ name: 'error-ratio' }, { name: 'error-ratio' }] },
        /compare\[1\]\.name "error-ratio" is listed twice/,
        /once/,
      ],
      [
        { compare: [{ name: 'error-ratio', quantile: 0.99 }] },
        /compare\[0\]\.quantile is only for latency signals/,
        /remove/,
      ],
      [{ trafficSplit: { tolerance: 1.5 } }, /trafficSplit\.tolerance 1\.5 must be between 0 and 1/, /0\.3/],
      [{ compare: [] }, /compare is empty/, /at least one/],
    ];
    for (const [spec, message, fix] of cases) {
      const result = resolveJudgeConfig(spec);
      assert.equal(result.ok, false, JSON.stringify(spec));
      assert.match(result.ok ? '' : result.problem.message, message);
      assert.match(result.ok ? '' : result.problem.fix, fix);
    }
  });

  test('report every problem at once, the first with its fix', () => {
    const result = resolveJudgeConfig({ missRate: 0, compare: [{ name: 'x' }] }, 'judge');
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.problem.message,
      /^judge\.missRate 0 must be between 0 and 0\.5 \(and 1 more: judge\.compare\[0\]\.name "x"/,
    );
  });

  test('turn the split check and the zero-event rule off when asked', () => {
    const config = resolveJudgeConfig({ trafficSplit: false, compare: [{ name: 'error-ratio', zeroEventRate: 0 }] });
    assert.ok(config.ok);
    assert.equal(config.value.split, null);
    assert.equal(config.value.signals[0]?.zeroEventRate, undefined);
  });
});
