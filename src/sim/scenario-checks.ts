import type { Canary, CanaryMetric, CanaryWebhook } from '../api/index.js';
import type { CheckOutcome, MetricValue } from '../engine/index.js';
import type { WebhookCaller } from '../controller/check-runner.js';
import type { MetricsAnalyzer } from '../metrics/port.js';
import { badHookTimeout, hookTimeoutMs } from '../hooks/webhook.js';
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

/**
 * Webhook answers from the scenario (`pass`, `fail`, `fail: message`); unlisted hooks pass. A hook
 * whose `timeout` the operator could not use fails as it would in the operator, whatever the answer.
 */
export function scenarioWebhooks(scenario: Scenario): WebhookCaller {
  return (hook: CanaryWebhook): Promise<CheckOutcome> => {
    if (hookTimeoutMs(hook.timeout) === undefined) {
      return Promise.resolve({ ok: false, name: hook.name, reason: badHookTimeout(hook) });
    }
    const answer = scenario.webhooks?.[hook.name] ?? 'pass';
    if (answer === 'pass') return Promise.resolve({ ok: true, name: hook.name });
    const message = answer.startsWith('fail: ') ? answer.slice('fail: '.length) : 'the webhook answered 403 Forbidden';
    return Promise.resolve({ ok: false, name: hook.name, reason: message });
  };
}
