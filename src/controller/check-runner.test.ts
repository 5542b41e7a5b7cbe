import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary, CanaryMetric } from '../api/index.js';
import { judgeMetric, type MetricValue } from '../engine/index.js';
import { Semaphore } from '../lib/semaphore.js';
import type { MetricsAnalyzer } from '../metrics/port.js';
import { providerRegistry } from '../routers/providers.js';
import { CheckRunner } from './check-runner.js';

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'shop' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    analysis: {
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 } },
        { name: 'request-duration', thresholdRange: { max: 500 } },
        { name: 'error-budget', query: 'sum(rate(errors[1m]))', thresholdRange: { max: 1 } },
      ],
    },
  },
} as unknown as Canary;

/**
 * A metrics port whose answers the test releases one by one, in any order: the values a backend
 * would have measured, and the order in which its queries were started and answered.
 */
class HeldAnswers implements MetricsAnalyzer {
  readonly started: string[] = [];
  private readonly held = new Map<string, (value: MetricValue) => void>();

  measure(_canary: Canary, metric: CanaryMetric): Promise<MetricValue> {
    this.started.push(metric.name);
    return new Promise((answer) => this.held.set(metric.name, answer));
  }

  answer(name: string, value: number): void {
    const answer = this.held.get(name);
    assert.ok(answer, `${name} was not asked (asked: ${this.started.join(', ')})`);
    this.held.delete(name);
    answer({ kind: 'value', value });
  }
}

const settle = () => new Promise((r) => setImmediate(r));

test("a tick's metric queries run at once; the outcomes stay in spec order and stop at the first failure", async () => {
  const metrics = new HeldAnswers();
  const runner = new CheckRunner({ metrics, judge: judgeMetric, providers: providerRegistry('appmesh') });
  const analysis = runner.analysis(canary);
  await settle();
  assert.deepEqual(metrics.started, ['request-success-rate', 'request-duration', 'error-budget']);
  // The last query answers first, then the duration fails its threshold, then the success rate passes.
  metrics.answer('error-budget', 0.5);
  metrics.answer('request-duration', 800);
  metrics.answer('request-success-rate', 99.5);
  const outcomes = await analysis;
  assert.deepEqual(
    outcomes.map((o) => [o.name, o.ok]),
    [
      ['request-success-rate', true],
      ['request-duration', false],
    ],
  );
  const failed = outcomes[1]!;
  assert.ok(!failed.ok && failed.value === 800, 'the failing check carries the value it measured');
});

test('the queries still take one --max-concurrent-queries slot each', async () => {
  const metrics = new HeldAnswers();
  const runner = new CheckRunner({
    metrics,
    judge: judgeMetric,
    providers: providerRegistry('appmesh'),
    limits: { queries: new Semaphore(1) },
  });
  const analysis = runner.analysis(canary);
  await settle();
  assert.deepEqual(metrics.started, ['request-success-rate']);
  metrics.answer('request-success-rate', 100);
  await settle();
  assert.deepEqual(metrics.started, ['request-success-rate', 'request-duration']);
  metrics.answer('request-duration', 120);
  await settle();
  metrics.answer('error-budget', 0);
  assert.deepEqual(
    (await analysis).map((o) => [o.name, o.ok]),
    [
      ['request-success-rate', true],
      ['request-duration', true],
      ['error-budget', true],
    ],
  );
});
