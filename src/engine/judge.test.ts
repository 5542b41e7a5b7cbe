import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanaryMetric } from '../api/index.js';
import { goDurationMs, goFixed2, goFloat } from './go-format.js';
import { judgeMetric, type JudgeContext } from './judge.js';

const value = (v: number) => ({ kind: 'value', value: v }) as const;
const context: JudgeContext = { target: 'account', namespace: 'shop', metricsProvider: 'appmesh:v1beta2' };
const successRate: CanaryMetric = { name: 'request-success-rate', thresholdRange: { min: 99 } };
const duration: CanaryMetric = { name: 'request-duration', thresholdRange: { max: 500 } };
const errorRate: CanaryMetric = {
  name: 'error-rate',
  templateRef: { name: 'error-rate' },
  thresholdRange: { min: 1, max: 5 },
};
const inline: CanaryMetric = { name: 'p50', query: 'histogram_quantile(0.5, x)', thresholdRange: { max: 10 } };

const reasonOf = (outcome: ReturnType<typeof judgeMetric>) => (outcome.ok ? 'pass' : outcome.reason);
const messageOf = (outcome: ReturnType<typeof judgeMetric>) => (outcome.ok ? 'pass' : outcome.message);

test('a value below thresholdRange.min fails with the measured value and the bound, Flagger-worded', () => {
  assert.equal(reasonOf(judgeMetric(successRate, value(98.5))), 'success rate 98.50% < 99%');
  assert.equal(reasonOf(judgeMetric(successRate, value(99.74))), 'pass');
  assert.equal(reasonOf(judgeMetric(successRate, value(99))), 'pass', 'the bound itself passes');
  assert.equal(
    reasonOf(judgeMetric({ name: 'request-success-rate', thresholdRange: { min: 100 } }, value(99.74))),
    'success rate 99.74% < 100%',
  );
});

test('a value above thresholdRange.max fails; request-duration is in milliseconds, printed as Go durations', () => {
  assert.equal(reasonOf(judgeMetric(duration, value(1200))), 'request duration 1.2s > 500ms');
  assert.equal(reasonOf(judgeMetric(duration, value(500.9))), 'pass', 'whole milliseconds, truncated like Go');
  const floor: CanaryMetric = { name: 'request-duration', thresholdRange: { min: 100 } };
  assert.equal(reasonOf(judgeMetric(floor, value(50))), 'request duration 50ms < 100ms');
  assert.equal(
    reasonOf(judgeMetric({ name: 'request-success-rate', thresholdRange: { max: 50 } }, value(51))),
    'success rate 51.00% > 50%',
  );
});

test('both bounds of a custom metric are checked', () => {
  assert.equal(reasonOf(judgeMetric(errorRate, value(0.5))), 'error-rate 0.50 < 1');
  assert.equal(reasonOf(judgeMetric(errorRate, value(7.25))), 'error-rate 7.25 > 5');
  assert.equal(reasonOf(judgeMetric(errorRate, value(3))), 'pass');
  assert.equal(reasonOf(judgeMetric(inline, value(1e6))), 'p50 1000000.00 > 10');
});

test('NaN is no data (never a pass) and ±Inf fails', () => {
  const nan = judgeMetric(successRate, value(Number.NaN), context);
  assert.equal(
    messageOf(nan),
    'Halt advancement no values found for appmesh:v1beta2 metric request-success-rate probably account.shop is not receiving traffic: no values found',
  );
  assert.equal(reasonOf(judgeMetric(successRate, value(Infinity))), 'request-success-rate +Inf is not a finite number');
  assert.equal(reasonOf(judgeMetric(duration, value(-Infinity))), 'request-duration -Inf is not a finite number');
});

test('no data fails with the wording of each kind of query', () => {
  const noData = { kind: 'no-data', detail: 'running query failed: no values found' } as const;
  assert.equal(
    messageOf(judgeMetric(duration, noData, context)),
    'Halt advancement no values found for appmesh:v1beta2 metric request-duration probably account.shop is not receiving traffic',
  );
  assert.equal(messageOf(judgeMetric(inline, noData)), 'Halt advancement no values found for metric: p50');
  assert.equal(
    messageOf(judgeMetric(errorRate, noData)),
    'Halt advancement no values found for custom metric: error-rate: running query failed: no values found',
  );
  const bare = judgeMetric(successRate, { kind: 'no-data' });
  assert.deepEqual(bare, {
    ok: false,
    name: 'request-success-rate',
    reason: 'no values found for metric request-success-rate',
  });
});

test('a provider error fails with the provider error', () => {
  const error = { kind: 'error', message: 'dial tcp 10.0.0.1:9090: connect: connection refused' } as const;
  assert.equal(messageOf(judgeMetric(successRate, error)), `Prometheus query failed: ${error.message}`);
  assert.equal(messageOf(judgeMetric(inline, error)), `Prometheus query failed for p50: ${error.message}`);
  assert.equal(messageOf(judgeMetric(errorRate, error)), `Metric query failed for error-rate: ${error.message}`);
  assert.equal(reasonOf(judgeMetric(errorRate, error)), `error-rate query failed: ${error.message}`);
  const builtinViaTemplate = judgeMetric({ ...successRate, templateRef: { name: 'x' } }, error, {
    ...context,
    source: 'template',
  });
  assert.equal(messageOf(builtinViaTemplate), `Metric query failed for request-success-rate: ${error.message}`);
});

test('the deprecated threshold applies only without thresholdRange, with its per-kind meaning', () => {
  assert.equal(
    reasonOf(judgeMetric({ name: 'request-success-rate', threshold: 99 }, value(98))),
    'success rate 98.00% < 99%',
  );
  assert.equal(reasonOf(judgeMetric({ name: 'request-success-rate' }, value(12))), 'pass');
  assert.equal(
    reasonOf(judgeMetric({ name: 'request-duration', threshold: 500 }, value(600))),
    'request duration 600ms > 500ms',
  );
  assert.equal(
    reasonOf(judgeMetric({ name: 'request-duration' }, value(1))),
    'request duration 1ms > 0s',
    'unset means 0 ms',
  );
  assert.equal(reasonOf(judgeMetric({ name: 'x', query: 'q', threshold: 5 }, value(6))), 'x 6.00 > 5');
  assert.equal(reasonOf(judgeMetric({ name: 'x', query: 'q', threshold: 5, thresholdRange: {} }, value(6))), 'pass');
});

test("Go's %v, %.2f and Duration.String are reproduced", () => {
  assert.deepEqual([1e6, 1234567, 100000, 99, 99.5, 0.5, 0.0001, 1e-5, -2.5e-7, 1e21].map(goFloat), [
    '1e+06',
    '1.234567e+06',
    '100000',
    '99',
    '99.5',
    '0.5',
    '0.0001',
    '1e-05',
    '-2.5e-07',
    '1e+21',
  ]);
  assert.deepEqual([0.125, 0.375, 69.166, 2.675, -0.125, 100].map(goFixed2), [
    '0.12',
    '0.38',
    '69.17',
    '2.67',
    '-0.12',
    '100.00',
  ]);
  assert.deepEqual([0, 500, 1200, 1000, 61500, 120000, 3600000, -1500].map(goDurationMs), [
    '0s',
    '500ms',
    '1.2s',
    '1s',
    '1m1.5s',
    '2m0s',
    '1h0m0s',
    '-1.5s',
  ]);
});
