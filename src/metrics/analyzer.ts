/**
 * `CanaryMetricsAnalyzer`: measures one metric of a canary (Flagger §7.2). Builtin names run the
 * builtin query of the canary's provider on its Prometheus (`spec.metricsServer`, else the operator
 * default); an inline `query` runs on that same Prometheus; a `templateRef` loads the MetricTemplate
 * (and its Secret) from the Cluster caches, builds its provider and runs its rendered query.
 * Every outcome is a `MetricValue`; the engine's judge turns it into pass/fail and event text.
 */
import type { Canary, CanaryJudgeSettings, CanaryMetric, JudgeSource, MetricTemplate } from '../api/index.js';
import { metricSourceOf, type JudgeStartAnswer, type MetricSource, type MetricValue } from '../engine/index.js';
import type { JudgeWindow } from '../judge/index.js';
import type { Cluster } from '../kube/cluster.js';
import { ReferenceReader } from '../kube/reference-reader.js';
import { secretData } from '../kube/secrets.js';
import type { Gvk, KubeObject } from '../kube/objects.js';
import type { ProviderRegistry } from '../routers/registry.js';
import { builtinQueryTemplate, isBuiltinMetric, toJudgeUnit } from './builtin.js';
import type { Result } from '../lib/result.js';
import { httpRequest, type HttpClient } from '../lib/http-client.js';
import { builtinJudgeSeries, templateFamily, type JudgeSeries, type SeriesFamily } from './judge-series.js';
import { needsOf, PrometheusJudgeSource } from './judge-source.js';
import type { JudgeWindowRequest, MetricsAnalyzer } from './port.js';
import type { Credentials, MetricsProvider, ProviderContext } from './provider.js';
import { createMetricsProvider } from './provider-factory.js';
import { PrometheusProvider } from './prometheus.js';
import { DEFAULT_METRIC_INTERVAL, queryModel, renderQuery } from './render.js';
import { failure } from './values.js';

/**
 * The canary's pods start with its run, at weight 0: one first seen inside a window counts from zero
 * (its series appear with its first requests; counting from the first sample would lose them).
 */
const JUDGE_SOURCE_OPTIONS = { newPodsFromZero: ['canary'] } as const;

/** The MetricTemplate kind, which the Cluster must cache. */
export const METRIC_TEMPLATE_GVK: Gvk = { apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate' };
/** The Secret kind (template credentials), which the Cluster must cache. */
export const SECRET_GVK: Gvk = { apiVersion: 'v1', kind: 'Secret' };
/** Every kind {@link CanaryMetricsAnalyzer} reads. */
export const METRICS_KINDS: readonly Gvk[] = [METRIC_TEMPLATE_GVK, SECRET_GVK];

/** Ports of {@link CanaryMetricsAnalyzer}. */
export interface CanaryMetricsAnalyzerDeps {
  /** Reads MetricTemplates and Secrets (both must be cached kinds). */
  readonly cluster: Cluster;
  /**
   * The namespace the cluster's caches are limited to (`--namespace`): templates and Secrets in
   * other namespaces are then read from the API server, as Flagger reads them. Default: all cached.
   */
  readonly watchedNamespace?: string | undefined;
  /** Which builtin queries a canary's provider uses. */
  readonly providers: ProviderRegistry;
  /** HTTP client. Default: {@link httpRequest}. */
  readonly request?: HttpClient;
  /** Wall clock for query windows. Default: `Date.now`. */
  readonly clock?: { now(): number };
}

/** Settings of {@link CanaryMetricsAnalyzer}. */
export interface CanaryMetricsAnalyzerOptions {
  /** Prometheus for builtin and inline-query metrics of canaries without `spec.metricsServer`, e.g. `http://prometheus:9090`. */
  readonly defaultMetricsServer: string;
  /** Timeout of each request to a metrics backend, in ms. Default 5000 (Flagger's). */
  readonly timeoutMs?: number;
}

/** Outcome of the provider availability check (§7.6); `message` completes `Error checking metric providers: …`. */
export type ProvidersCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

type ResolvedTemplate =
  | { readonly ok: true; readonly owner: string; readonly template: MetricTemplate; readonly provider: MetricsProvider }
  | { readonly ok: false; readonly message: string };

/** Measures canary metrics against Prometheus and the MetricTemplate providers. */
export class CanaryMetricsAnalyzer implements MetricsAnalyzer {
  private readonly context: ProviderContext;
  private readonly references: ReferenceReader;

  constructor(
    private readonly deps: CanaryMetricsAnalyzerDeps,
    private readonly options: CanaryMetricsAnalyzerOptions,
  ) {
    const clock = deps.clock ?? { now: () => Date.now() };
    this.references = new ReferenceReader(deps.cluster, deps.watchedNamespace);
    this.context = {
      request: deps.request ?? httpRequest,
      timeoutMs: options.timeoutMs ?? 5000,
      now: () => clock.now(),
    };
  }

  /**
   * Measures `metric`. `source` says which query to run when a builtin-named metric also has a
   * `templateRef` (Flagger runs both: pass `builtin`, then `template`); by default it follows
   * `metricSourceOf`.
   */
  async measure(
    canary: Canary,
    metric: CanaryMetric,
    signal?: AbortSignal,
    source?: MetricSource,
  ): Promise<MetricValue> {
    try {
      switch (source ?? metricSourceOf(metric)) {
        case 'builtin':
          return await this.measureBuiltin(canary, metric, signal);
        case 'query':
          return await this.measureInline(canary, metric, signal);
        case 'template':
          return await this.measureTemplate(canary, metric, signal);
      }
    } catch (err) {
      // Adapters return values; this only guards the operator against a bug turning into a crash.
      return failure(`metric ${metric.name}: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Flagger's provider availability check, run at initialisation: the canary's Prometheus answers
   * `vector(1)` when it has builtin metrics, and every referenced template's provider is online.
   * Stops at the first problem.
   */
  async checkProviders(canary: Canary, signal?: AbortSignal): Promise<ProvidersCheck> {
    let serverChecked = false;
    for (const metric of canary.spec.analysis?.metrics ?? []) {
      if (isBuiltinMetric(metric.name) && !serverChecked) {
        serverChecked = true;
        const server = this.metricsServer(canary);
        const online = typeof server === 'string' ? failure(server) : await server.isOnline(signal);
        if (online.kind === 'error') return { ok: false, message: `prometheus not avaiable: ${online.message}` };
      }
      if (metric.templateRef) {
        const resolved = await this.resolveTemplate(canary, metric, signal);
        if (!resolved.ok) return { ok: false, message: resolved.message };
        const online = await resolved.provider.isOnline(signal);
        if (online.kind === 'error') {
          const { type } = resolved.template.spec.provider;
          return { ok: false, message: `${type} in ${resolved.owner} not avaiable: ${online.message}` };
        }
      }
    }
    return { ok: true };
  }

  private async measureBuiltin(canary: Canary, metric: CanaryMetric, signal?: AbortSignal): Promise<MetricValue> {
    if (!isBuiltinMetric(metric.name)) return failure(`metric ${metric.name} is not a builtin check`);
    const { name, plugin } = this.deps.providers.resolve(canary);
    if (!plugin) {
      return failure(
        `builtin metric ${metric.name} is not available for provider ${name} (Serin carries the appmesh, kubernetes and gatewayapi queries); use a MetricTemplate`,
      );
    }
    const series = plugin.builtinSeries;
    const rendered = renderQuery(builtinQueryTemplate(series, metric.name), queryModel(canary, metric));
    if (!rendered.ok) return failure(`builtin metric ${metric.name}: ${rendered.problem}`);
    const server = this.metricsServer(canary);
    if (typeof server === 'string') return failure(server);
    const value = await server.query(rendered.query, signal);
    return value.kind === 'value' ? { kind: 'value', value: toJudgeUnit(series, metric.name, value.value) } : value;
  }

  private async measureInline(canary: Canary, metric: CanaryMetric, signal?: AbortSignal): Promise<MetricValue> {
    const rendered = renderQuery(metric.query ?? '', queryModel(canary, metric));
    if (!rendered.ok) return failure(`canary ${canaryKey(canary)} metric ${metric.name}: ${rendered.problem}`);
    const server = this.metricsServer(canary);
    if (typeof server === 'string') return failure(server);
    return server.query(rendered.query, signal);
  }

  private async measureTemplate(canary: Canary, metric: CanaryMetric, signal?: AbortSignal): Promise<MetricValue> {
    if (!metric.templateRef) return failure('no usable metrics template and query were configured');
    const resolved = await this.resolveTemplate(canary, metric, signal);
    if (!resolved.ok) return failure(resolved.message);
    const rendered = renderQuery(resolved.template.spec.query, queryModel(canary, metric));
    if (!rendered.ok) return failure(`${resolved.owner}: ${rendered.problem}`);
    const value = await resolved.provider.query(rendered.query, signal);
    return value.kind === 'error' ? failure(`${resolved.owner}: ${value.message}`) : value;
  }

  /**
   * The series the statistical judge reads for `canary` (`spec.analysis.judge.source`): the builtin
   * series of its provider on its Prometheus, or its MetricTemplates' queries rendered per arm.
   */
  async judgeStart(
    canary: Canary,
    settings: CanaryJudgeSettings,
    end: number,
    signal?: AbortSignal,
  ): Promise<JudgeStartAnswer> {
    const series = await this.judgeSeries(canary, settings.source, signal);
    if (!series.ok) return { ok: false, message: `${series.problem.message}; ${series.problem.fix}` };
    const read = await new PrometheusJudgeSource(series.value, JUDGE_SOURCE_OPTIONS).preRollout(
      end,
      needsOf(settings.config),
      signal,
    );
    if (!read.ok) return { ok: false, message: `${read.problem.message}; ${read.problem.fix}` };
    return { ok: true, pre: read.value.pre, notes: read.value.notes };
  }

  async judgeWindow(
    canary: Canary,
    settings: CanaryJudgeSettings,
    window: JudgeWindowRequest,
    signal?: AbortSignal,
  ): Promise<JudgeWindow> {
    const needs = needsOf(settings.config);
    const series = await this.judgeSeries(canary, settings.source, signal);
    if (!series.ok) {
      const error = { kind: 'error', message: `${series.problem.message}; ${series.problem.fix}` } as const;
      return {
        seconds: window.end - window.start,
        canaryWeight: window.canaryWeight,
        ...(needs.errors ? { errors: error } : {}),
        ...(needs.latency ? { latency: error } : {}),
      };
    }
    return new PrometheusJudgeSource(series.value, JUDGE_SOURCE_OPTIONS).observe(window, needs, signal);
  }

  async judgeSeries(canary: Canary, source: JudgeSource, signal?: AbortSignal): Promise<Result<JudgeSeries>> {
    if (source.kind === 'builtin') {
      const { name, plugin } = this.deps.providers.resolve(canary);
      if (!plugin) {
        const fix = 'count with MetricTemplates: set spec.analysis.judge.source.templates';
        return { ok: false, problem: { message: `the judge has no builtin series for provider ${name}`, fix } };
      }
      const server = this.metricsServer(canary);
      if (typeof server === 'string') {
        return { ok: false, problem: { message: server, fix: 'set spec.metricsServer to the Prometheus URL' } };
      }
      const { targetRef } = canary.spec;
      const namespace = canary.metadata?.namespace ?? '';
      return { ok: true, value: builtinJudgeSeries(server, plugin.builtinSeries, targetRef.name, namespace) };
    }
    const families: { -readonly [K in 'requests' | 'errors' | 'latency']?: SeriesFamily } = {};
    for (const key of ['requests', 'errors', 'latency'] as const) {
      const ref = source[key];
      if (!ref) continue;
      const field = `spec.analysis.judge.source.templates.${key}`;
      const resolved = await this.loadTemplate(canary, ref, field, DEFAULT_METRIC_INTERVAL, signal);
      if (!resolved.ok) return { ok: false, problem: { message: resolved.message, fix: `fix ${field}` } };
      const { owner, template, provider } = resolved;
      if (!(provider instanceof PrometheusProvider)) {
        const message = `${owner}: the judge reads raw counters from Prometheus, not from provider type ${template.spec.provider.type}`;
        return { ok: false, problem: { message, fix: 'use a MetricTemplate of provider type prometheus' } };
      }
      const model = queryModel(canary, { name: 'judge' });
      const family = templateFamily(provider, template.spec.query, model, owner);
      if (!family.ok) return family;
      families[key] = family.value;
    }
    return { ok: true, value: { podLabel: source.podLabel, ...families } };
  }

  /** Prometheus of a canary: `spec.metricsServer`, else the operator default (a new client each time, as Flagger). */
  private metricsServer(canary: Canary): PrometheusProvider | string {
    const address = canary.spec.metricsServer || this.options.defaultMetricsServer;
    try {
      const url = new URL(address);
      if (url.protocol === 'http:' || url.protocol === 'https:')
        return new PrometheusProvider({ address: url }, this.context);
    } catch {
      // reported below
    }
    const field = canary.spec.metricsServer ? `spec.metricsServer of canary ${canaryKey(canary)}` : '--metrics-server';
    return `Error building Prometheus client: ${field} is not a valid http(s) URL`;
  }

  private async resolveTemplate(canary: Canary, metric: CanaryMetric, signal?: AbortSignal): Promise<ResolvedTemplate> {
    const ref = metric.templateRef;
    if (!ref) return { ok: false, message: 'no usable metrics template and query were configured' };
    return this.loadTemplate(canary, ref, `templateRef of metric "${metric.name}"`, metric.interval || '1m', signal);
  }

  /** Reads a MetricTemplate (and its Secret) and builds its provider; `pointer` names the field that refers to it. */
  private async loadTemplate(
    canary: Canary,
    ref: { readonly name: string; readonly namespace?: string | undefined },
    pointer: string,
    interval: string,
    signal?: AbortSignal,
  ): Promise<ResolvedTemplate> {
    const namespace = ref.namespace || canary.metadata?.namespace || '';
    const owner = `metrictemplate ${namespace}/${ref.name}`;
    const template = await this.read<MetricTemplate>({ ...METRIC_TEMPLATE_GVK, namespace, name: ref.name }, signal);
    if (typeof template === 'string') return { ok: false, message: `${owner}: ${template}` };
    if (template === undefined) {
      return {
        ok: false,
        message: `${owner} not found: create it, or point ${pointer} at an existing MetricTemplate`,
      };
    }
    const secretRef = template.spec.provider.secretRef;
    let credentials: Credentials | undefined;
    if (secretRef) {
      // Flagger reads the Secret from the namespace the template was fetched from.
      const secret = await this.read<KubeObject>({ ...SECRET_GVK, namespace, name: secretRef.name }, signal);
      if (typeof secret === 'string') return { ok: false, message: `${owner}: ${secret}` };
      if (secret === undefined) {
        return {
          ok: false,
          message: `${owner}: secret ${namespace}/${secretRef.name} not found: create it in the template's namespace ${namespace}`,
        };
      }
      credentials = secretData(secret);
    }
    const build = createMetricsProvider({ spec: template.spec.provider, credentials, interval }, this.context);
    if (!build.ok) return { ok: false, message: `${owner}: provider ${template.spec.provider.type}: ${build.message}` };
    return { ok: true, owner, template, provider: build.provider };
  }

  private async read<T>(
    ref: Gvk & { namespace: string; name: string },
    signal?: AbortSignal,
  ): Promise<T | undefined | string> {
    try {
      return await this.references.get<T>(ref, signal);
    } catch (err) {
      return `cannot read ${ref.kind} ${ref.namespace}/${ref.name}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

function canaryKey(canary: Canary): string {
  return `${canary.metadata?.namespace ?? ''}/${canary.metadata?.name ?? ''}`;
}
