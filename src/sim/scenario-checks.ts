import type { Canary, CanaryMetric, CanaryWebhook } from '../api/index.js';
import type { CheckOutcome, MetricValue } from '../engine/index.js';
import type { MetricsAnalyzer, WebhookCaller } from '../hooks/check-runner.js';
import type { Scenario } from './scenario.js';
import type { WorkloadSimulator } from './workloads.js';

/** Metric values from the scenario: what the canary's running revision is said to measure. */
export class ScenarioMetrics implements MetricsAnalyzer {
  constructor(private readonly workloads: WorkloadSimulator) {}

  measure(canary: Canary, metric: CanaryMetric): Promise<MetricValue> {
    const version = this.workloads.runningVersion(canary.metadata?.namespace ?? '', canary.spec.targetRef.name);
    const value = version?.metrics?.[metric.name];
    if (value === undefined || value === 'no-data') return Promise.resolve({ kind: 'no-data' });
    return Promise.resolve({ kind: 'value', value });
  }
}

/** Webhook answers from the scenario (`pass`, `fail`, `fail: message`); unlisted hooks pass. */
export function scenarioWebhooks(scenario: Scenario): WebhookCaller {
  return (hook: CanaryWebhook): Promise<CheckOutcome> => {
    const answer = scenario.webhooks?.[hook.name] ?? 'pass';
    if (answer === 'pass') return Promise.resolve({ ok: true, name: hook.name });
    const message = answer.startsWith('fail: ') ? answer.slice('fail: '.length) : 'the webhook answered 403 Forbidden';
    return Promise.resolve({ ok: false, name: hook.name, reason: message });
  };
}
