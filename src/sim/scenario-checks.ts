import type { Canary, CanaryJudgeSettings, CanaryMetric, CanaryWebhook } from '../api/index.js';
import type { CheckOutcome, JudgeStartAnswer, MetricValue } from '../engine/index.js';
import type { WebhookCaller } from '../controller/check-runner.js';
import type { HistogramCounts, JudgeWindow } from '../judge/index.js';
import { normalCdf } from '../lib/normal-cdf.js';
import { needsOf } from '../metrics/judge-source.js';
import type { JudgeWindowRequest, MetricsAnalyzer } from '../metrics/port.js';
import { badHookTimeout, hookTimeoutMs } from '../hooks/webhook.js';
import type { Scenario, ScenarioVersion } from './scenario.js';
import type { WorkloadSimulator } from './workloads.js';

/** Live requests per second when the scenario does not say. */
const DEFAULT_RPS = 100;
/** A version's median latency when the scenario does not say, ms. */
const DEFAULT_LATENCY_MS = 100;
/** Spread of the simulated latencies: log-normal with this σ around the median. */
const LATENCY_SIGMA = 0.5;
/** The simulated histogram's bucket bounds, seconds (a common client-library layout). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The hour before the rollout the judge reads, in seconds. */
const PRE_ROLLOUT_SECONDS = 3600;

/**
 * Metric values from the scenario: what the canary's running revision is said to measure. For the
 * statistical judge, request counts: the scenario's `requestsPerSecond` split by the routed weight,
 * each arm failing its revision's `errorRate` and answering around its `latencyMs` (log-normal,
 * σ 0.5). The counts are the expected ones, rounded: no noise, so a simulated judge decides as fast
 * as the evidence allows, and no per-pod history (φ takes its default).
 */
export class ScenarioMetrics implements MetricsAnalyzer {
  constructor(
    private readonly workloads: WorkloadSimulator,
    private readonly scenario: Pick<Scenario, 'requestsPerSecond'> = {},
  ) {}

  measure(canary: Canary, metric: CanaryMetric): Promise<MetricValue> {
    const version = this.workloads.runningVersion(canary.metadata?.namespace ?? '', canary.spec.targetRef.name);
    const value = version?.metrics?.[metric.name];
    if (value === undefined || value === 'no-data') return Promise.resolve({ kind: 'no-data' });
    return Promise.resolve({ kind: 'value', value });
  }

  judgeStart(canary: Canary, settings: CanaryJudgeSettings): Promise<JudgeStartAnswer> {
    const primary = this.version(canary, 'primary');
    if (!primary) return Promise.resolve({ ok: false, message: `${canary.spec.targetRef.name}-primary runs no pods` });
    const requests = Math.round(this.rps() * PRE_ROLLOUT_SECONDS);
    const needs = needsOf(settings.config);
    return Promise.resolve({
      ok: true,
      pre: {
        ...(needs.errors ? { errors: armCounts(requests, primary) } : {}),
        ...(needs.latency ? { latency: histogram(requests, primary) } : {}),
      },
      notes: [],
    });
  }

  judgeWindow(canary: Canary, settings: CanaryJudgeSettings, window: JudgeWindowRequest): Promise<JudgeWindow> {
    const seconds = window.end - window.start;
    const base = { seconds, canaryWeight: window.canaryWeight };
    const needs = needsOf(settings.config);
    const [canaryVersion, primaryVersion] = [this.version(canary, 'canary'), this.version(canary, 'primary')];
    if (!canaryVersion || !primaryVersion) {
      const which = canaryVersion ? `${canary.spec.targetRef.name}-primary` : canary.spec.targetRef.name;
      const error = { kind: 'error', message: `${which} runs no pods` } as const;
      return Promise.resolve({ ...base, ...(needs.errors ? { errors: error } : {}), latency: error });
    }
    const total = Math.round(this.rps() * seconds);
    const canaryRequests = Math.round((total * window.canaryWeight) / 100);
    const primaryRequests = total - canaryRequests;
    return Promise.resolve({
      ...base,
      ...(needs.errors
        ? {
            errors: {
              kind: 'counts',
              counts: {
                canary: armCounts(canaryRequests, canaryVersion),
                primary: armCounts(primaryRequests, primaryVersion),
              },
            },
          }
        : {}),
      ...(needs.latency
        ? {
            latency: {
              kind: 'histograms',
              canary: histogram(canaryRequests, canaryVersion),
              primary: histogram(primaryRequests, primaryVersion),
            },
          }
        : {}),
    });
  }

  private rps(): number {
    return this.scenario.requestsPerSecond ?? DEFAULT_RPS;
  }

  private version(canary: Canary, arm: 'canary' | 'primary'): ScenarioVersion | undefined {
    const target = canary.spec.targetRef.name;
    return this.workloads.runningVersion(
      canary.metadata?.namespace ?? '',
      arm === 'primary' ? `${target}-primary` : target,
    );
  }
}

function armCounts(requests: number, version: ScenarioVersion): { requests: number; events: number } {
  return { requests, events: Math.round(requests * (version.errorRate ?? 0)) };
}

/** The expected cumulative histogram of `requests` answered around the version's median latency. */
function histogram(requests: number, version: ScenarioVersion): HistogramCounts {
  const median = (version.latencyMs ?? DEFAULT_LATENCY_MS) / 1000;
  const cumulative = BUCKETS.map((le) => Math.round(requests * normalCdf(Math.log(le / median) / LATENCY_SIGMA)));
  return { le: BUCKETS, cumulative, count: requests };
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
