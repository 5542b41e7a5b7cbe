import { performance } from 'node:perf_hooks';
import {
  resolveCanaryJudge,
  type Canary,
  type CanaryMetric,
  type CanaryWebhook,
  type WebhookPayload,
} from '../api/index.js';
import type {
  CheckOutcome,
  GateType,
  JudgeContext,
  JudgeStartAnswer,
  MetricSource,
  MetricValue,
} from '../engine/index.js';
import { metricSourceOf } from '../engine/index.js';
import { callWebhook, hooksOfType, payloadFor } from '../hooks/webhook.js';
import type { JudgeWindow } from '../judge/index.js';
import type { JudgeWindowRequest, MetricsAnalyzer } from '../metrics/port.js';
import type { ProviderRegistry } from '../routers/registry.js';
import type { Semaphore } from '../lib/semaphore.js';

/** Calls one webhook: over HTTP in the operator, from the scenario in `serin simulate`. */
export type WebhookCaller = (
  hook: CanaryWebhook,
  payload: WebhookPayload,
  signal?: AbortSignal,
) => Promise<CheckOutcome>;

/** Every analyzer Serin ships counts requests; one that cannot (a test's, an embedder's) says so. */
const NO_COUNTS = 'the metrics analyzer in use cannot count requests for the statistical judge';

/** Runs the hooks and metrics the engine asks for; outcomes as data, in spec order. */
export class CheckRunner {
  constructor(
    private readonly deps: {
      readonly metrics: MetricsAnalyzer;
      readonly judge: (metric: CanaryMetric, value: MetricValue, context: JudgeContext) => CheckOutcome;
      /** Names the provider in effect (the metrics observer in messages). */
      readonly providers: ProviderRegistry;
      /** Default: an HTTP POST (`callWebhook`). */
      readonly callWebhook?: WebhookCaller;
      /** Hears how long each analysis took, its waits for slots included (the operator's metrics). */
      readonly onAnalysis?: (seconds: number) => void;
      /** Bounds on analyses and metric queries running at once (the operator's flags); none by default. */
      readonly limits?: { readonly analyses?: Semaphore; readonly queries?: Semaphore };
    },
  ) {}

  /** Runs hooks of `type` in order, stopping after the first failure (gates and pre-rollout). */
  async hooks(
    canary: Canary,
    type: GateType | 'pre-rollout' | 'rollout' | 'post-rollout',
    phase: string,
    signal?: AbortSignal,
  ) {
    const outcomes: CheckOutcome[] = [];
    for (const hook of hooksOfType(canary, type)) {
      const outcome: CheckOutcome = {
        ...(await this.call(hook, payloadFor(canary, hook, phase), signal)),
        kind: 'webhook',
      };
      outcomes.push(outcome);
      if (!outcome.ok) break;
    }
    return outcomes;
  }

  private call(hook: CanaryWebhook, payload: WebhookPayload, signal?: AbortSignal): Promise<CheckOutcome> {
    if (this.deps.callWebhook) return this.deps.callWebhook(hook, payload, signal);
    return callWebhook(hook, payload, signal ? { signal } : {});
  }

  /** Rollback hooks: every one is asked; an ok outcome means that hook asks for a rollback. */
  async rollbackHooks(canary: Canary, phase: string, signal?: AbortSignal): Promise<CheckOutcome[]> {
    const outcomes: CheckOutcome[] = [];
    for (const hook of hooksOfType(canary, 'rollback')) {
      const outcome = await this.call(hook, payloadFor(canary, hook, phase), signal);
      outcomes.push(outcome);
      if (outcome.ok) break;
    }
    return outcomes;
  }

  /** The primary's counts before the rollout, for the statistical judge. */
  async judgeStart(canary: Canary, end: number, signal?: AbortSignal): Promise<JudgeStartAnswer> {
    const settings = resolveCanaryJudge(canary.spec.analysis);
    if (!settings?.ok) return { ok: false, message: settings ? settings.problem.message : 'the Canary has no judge' };
    const metrics = this.deps.metrics;
    if (!metrics.judgeStart) return { ok: false, message: NO_COUNTS };
    return this.limited(() => metrics.judgeStart!(canary, settings.value, end, signal));
  }

  /** One window's counts of both arms, for the statistical judge; unreadable counts are an ERROR observation. */
  async judgeWindow(canary: Canary, window: JudgeWindowRequest, signal?: AbortSignal): Promise<JudgeWindow> {
    const settings = resolveCanaryJudge(canary.spec.analysis);
    const metrics = this.deps.metrics;
    if (!settings?.ok || !metrics.judgeWindow) {
      const message = !settings?.ok ? (settings?.problem.message ?? 'the Canary has no judge') : NO_COUNTS;
      const error = { kind: 'error', message } as const;
      return { seconds: window.end - window.start, canaryWeight: window.canaryWeight, errors: error, latency: error };
    }
    return this.limited(() => metrics.judgeWindow!(canary, settings.value, window, signal));
  }

  private limited<T>(work: () => Promise<T>): Promise<T> {
    const queries = this.deps.limits?.queries;
    return queries ? queries.run(work) : work();
  }

  /** Rollout hooks, then every metric, stopping after the first failure. */
  async analysis(canary: Canary, signal?: AbortSignal): Promise<CheckOutcome[]> {
    const slots = this.deps.limits?.analyses;
    const heard = this.deps.onAnalysis;
    const started = heard ? performance.now() : 0;
    try {
      return await (slots ? slots.run(() => this.analyze(canary, signal)) : this.analyze(canary, signal));
    } finally {
      heard?.((performance.now() - started) / 1000);
    }
  }

  /**
   * Rollout hooks, then every metric, stopping after the first failure. The metrics are measured at
   * once (each still takes a `--max-concurrent-queries` slot), so a tick waits for its slowest query
   * rather than for all of them in turn; the outcomes are Flagger's all the same: in spec order, up
   * to and including the first that fails.
   */
  private async analyze(canary: Canary, signal?: AbortSignal): Promise<CheckOutcome[]> {
    const outcomes = await this.hooks(canary, 'rollout', 'Progressing', signal);
    if (outcomes.some((o) => !o.ok)) return outcomes;
    const passes = metricPasses(canary.spec.analysis?.metrics ?? []);
    if (passes.length === 0) return outcomes;
    const context = {
      target: canary.spec.targetRef.name,
      namespace: canary.metadata?.namespace ?? '',
      metricsProvider: this.deps.providers.resolve(canary).name,
    };
    const queries = this.deps.limits?.queries;
    const measured = await Promise.all(
      passes.map(([metric, source]) => {
        const measure = () => this.deps.metrics.measure(canary, metric, signal, source);
        return queries ? queries.run(measure) : measure();
      }),
    );
    for (const [i, [metric, source]] of passes.entries()) {
      const value = measured[i]!;
      const outcome: CheckOutcome = {
        ...this.deps.judge(metric, value, { ...context, source }),
        kind: 'metric',
        ...(value.kind === 'value' ? { value: value.value } : {}),
      };
      outcomes.push(outcome);
      if (!outcome.ok) break;
    }
    return outcomes;
  }
}

/**
 * The order Flagger runs a canary's metrics in: every builtin check in spec order, then every
 * template/inline-query check; a builtin-named metric with a templateRef takes part in both passes.
 */
export function metricPasses(metrics: readonly CanaryMetric[]): [CanaryMetric, MetricSource][] {
  return [
    ...metrics.filter((m) => metricSourceOf(m) === 'builtin').map((m): [CanaryMetric, MetricSource] => [m, 'builtin']),
    ...metrics
      .filter((m) => metricSourceOf(m) !== 'builtin' || m.templateRef)
      .map((m): [CanaryMetric, MetricSource] => [m, metricSourceOf(m) === 'builtin' ? 'template' : metricSourceOf(m)]),
  ];
}
