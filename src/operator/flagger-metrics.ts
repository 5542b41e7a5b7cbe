/**
 * Flagger's operator metrics, with Flagger's names, types, labels and values, so the dashboards and
 * alerts written for Flagger keep working on Serin. As in Flagger, the `name` label is the
 * Canary's `targetRef.name` (not the Canary's own name) and `flagger_canary_weight` names the
 * workloads `<target>-primary` and `<target>`.
 *
 * What Flagger sets on every tick (total, status, weight, the last value of each metric) is read
 * from the watch cache at each scrape, so it is right from the first scrape after a restart or a
 * leader change and a deleted Canary's series go with it (Flagger keeps them until it restarts,
 * fluxcd/flagger#1029). What Flagger counts as it happens (the analysis duration, promotions and
 * rollbacks) is recorded from the controller's status writes and reconciles. Only the replica that
 * acts (the leader) exports per-canary series; a standby exports `flagger_info` alone, as Flagger's.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Canary, CanaryStatus } from '../api/index.js';
import { skipsAnalysis, type Strategy } from '../engine/index.js';
import type { Routes } from '../engine/model.js';
import { objectKey } from '../kube/objects.js';

/** Where the per-canary series are read from at scrape time. */
export interface CanarySource {
  /** The Canaries the operator watches (its cache). */
  canaries(): readonly Canary[];
  /** The weights the canary's router reads now; undefined while it has no routing objects. */
  routes(canary: Canary): Routes | undefined;
  /** Whether this replica acts (leader, or no election). */
  isActive(): boolean;
}

/** What this module needs from the rest of the operator from the start. */
export interface FlaggerMetricsDeps {
  /** The rollout strategy in effect for a canary (its provider's capabilities considered). */
  readonly strategy: (canary: Canary) => Strategy;
}

/** The labels of `flagger_info`. */
export interface FlaggerInfo {
  /** Reported as `version` (Serin's version). */
  readonly version: string;
  /** Reported as `mesh_provider` (`--mesh-provider`). */
  readonly meshProvider: string;
}

/** Flagger's `flagger_canary_status` values. */
export const CanaryStatusValue = { Running: 0, Successful: 1, Failed: 2 } as const;
export type CanaryStatusValue = (typeof CanaryStatusValue)[keyof typeof CanaryStatusValue];

/** Flagger's mapping: 0 while Progressing, 2 once Failed, 1 in every other phase. */
export function canaryStatusValue(phase: string): CanaryStatusValue {
  if (phase === 'Progressing') return CanaryStatusValue.Running;
  if (phase === 'Failed') return CanaryStatusValue.Failed;
  return CanaryStatusValue.Successful;
}

/** Go client's default histogram buckets (seconds), which Flagger's duration histogram uses. */
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type TargetLabels = { readonly name: string; readonly namespace: string };
type OutcomeLabels = TargetLabels & { readonly deployment_strategy: string; readonly analysis_status: string };

/** One watched Canary as the scrape sees it. */
interface Row {
  readonly canary: Canary;
  readonly target: string;
  readonly namespace: string;
  readonly phase: string;
}

/** Flagger's series on one registry; see the module comment. */
export class FlaggerMetrics {
  private source: CanarySource | undefined;
  private readonly duration: Histogram<'name' | 'namespace'>;
  private readonly successes: Counter<keyof OutcomeLabels>;
  private readonly failures: Counter<keyof OutcomeLabels>;
  /** Canary key → labels of the analysis its running reconcile performed, observed when it ends. */
  private readonly analysed = new Map<string, TargetLabels>();
  /** `namespace/target` → how to remove each event series recorded for it, once no Canary has that target. */
  private readonly recorded = new Map<string, Map<string, () => void>>();

  constructor(
    registry: Registry,
    private readonly deps: FlaggerMetricsDeps,
    info: FlaggerInfo,
  ) {
    const registers = [registry];
    new Gauge({
      name: 'flagger_info',
      help: 'Flagger version and mesh provider information',
      labelNames: ['version', 'mesh_provider'],
      registers,
    }).set({ version: info.version, mesh_provider: info.meshProvider }, 1);
    this.registerCacheGauges(registers);
    this.duration = new Histogram({
      name: 'flagger_canary_duration_seconds',
      help: 'Seconds spent performing canary analysis.',
      labelNames: ['name', 'namespace'],
      buckets: DEFAULT_BUCKETS,
      registers,
    });
    const outcome = ['name', 'namespace', 'deployment_strategy', 'analysis_status'] as const;
    this.successes = new Counter({
      name: 'flagger_canary_successes_total',
      help: 'Total number of canary successes',
      labelNames: outcome,
      registers,
    });
    this.failures = new Counter({
      name: 'flagger_canary_failures_total',
      help: 'Total number of canary failures',
      labelNames: outcome,
      registers,
    });
  }

  /** Starts exporting the per-canary series read from `source` (once the controller is built). */
  track(source: CanarySource): void {
    this.source = source;
  }

  /**
   * A status landed. A new `lastAnalysis` means this reconcile ran an analysis (its duration is
   * observed when the reconcile ends); entering Succeeded counts a success and entering Failed a
   * failure, labelled with the strategy and whether the analysis was skipped, as Flagger counts them.
   */
  statusWritten(canary: Canary, status: CanaryStatus | undefined): void {
    const target = canary.spec?.targetRef?.name;
    if (!target) return;
    const labels: TargetLabels = { name: target, namespace: canary.metadata?.namespace ?? '' };
    const analysis = status?.lastAnalysis;
    if (analysis && analysis.time !== canary.status?.lastAnalysis?.time) {
      this.analysed.set(objectKey(labels.namespace, canary.metadata?.name ?? ''), labels);
    }
    const phase = status?.phase;
    if (phase === canary.status?.phase || (phase !== 'Succeeded' && phase !== 'Failed')) return;
    const counted: OutcomeLabels = {
      ...labels,
      deployment_strategy: this.deps.strategy(canary),
      analysis_status: skipsAnalysis(canary.spec) ? 'skipped' : 'completed',
    };
    const counter = phase === 'Succeeded' ? this.successes : this.failures;
    counter.inc(counted);
    this.remember(labels, `${phase}${JSON.stringify(counted)}`, () => counter.remove(counted));
  }

  /** A reconcile of `key` ended after `seconds`: its analysis, if it ran one, took that long. */
  reconcileEnded(key: string, seconds: number): void {
    const labels = this.analysed.get(key);
    if (!labels) return;
    this.analysed.delete(key);
    this.duration.observe(labels, seconds);
    this.remember(labels, 'duration', () => this.duration.remove(labels));
  }

  /** total, status, weight and metric values: set from the cache by each scrape. */
  private registerCacheGauges(registers: Registry[]): void {
    const rows = () => this.rows();
    const prune = (all: readonly Row[]) => this.prune(all);
    const routes = (canary: Canary) => this.source?.routes(canary);
    new Gauge({
      name: 'flagger_canary_total',
      help: 'Total number of canary object',
      labelNames: ['namespace'],
      registers,
      // Registered before the event series, so that pruning applies to this very scrape.
      collect() {
        this.reset();
        const all = rows();
        if (!all) return;
        prune(all);
        const counts = new Map<string, number>();
        for (const r of all) counts.set(r.namespace, (counts.get(r.namespace) ?? 0) + 1);
        for (const [namespace, n] of counts) this.set({ namespace }, n);
      },
    });
    new Gauge({
      name: 'flagger_canary_status',
      help: 'Last canary analysis result',
      labelNames: ['name', 'namespace'],
      registers,
      collect() {
        this.reset();
        for (const r of rows() ?? []) {
          if (initialized(r)) this.set({ name: r.target, namespace: r.namespace }, canaryStatusValue(r.phase));
        }
      },
    });
    new Gauge({
      name: 'flagger_canary_weight',
      help: 'The virtual service destination weight current value',
      labelNames: ['workload', 'namespace'],
      registers,
      collect() {
        this.reset();
        for (const r of rows() ?? []) {
          const weights = initialized(r) ? routes(r.canary) : undefined;
          if (!weights) continue;
          this.set({ workload: `${r.target}-primary`, namespace: r.namespace }, weights.primary);
          this.set({ workload: r.target, namespace: r.namespace }, weights.canary);
        }
      },
    });
    new Gauge({
      name: 'flagger_canary_metric_analysis',
      help: 'Last canary analysis result per metric',
      labelNames: ['name', 'namespace', 'metric'],
      registers,
      collect() {
        this.reset();
        for (const r of rows() ?? []) {
          for (const check of r.canary.status?.lastAnalysis?.checks ?? []) {
            if (check.kind !== 'metric' || check.value === undefined) continue;
            this.set({ name: r.target, namespace: r.namespace, metric: check.name }, check.value);
          }
        }
      },
    });
    new Gauge({
      name: 'serin_canary_phase',
      help: 'The phase each canary is in: 1 for its current phase (Serin; flagger_canary_status folds phases into 0/1/2)',
      labelNames: ['name', 'namespace', 'phase'],
      registers,
      collect() {
        this.reset();
        for (const r of rows() ?? []) {
          if (r.phase) this.set({ name: r.target, namespace: r.namespace, phase: r.phase }, 1);
        }
      },
    });
  }

  /** The watched Canaries with a target, or undefined when this replica exports no per-canary series. */
  private rows(): Row[] | undefined {
    const source = this.source;
    if (!source?.isActive()) return undefined;
    return source.canaries().flatMap((canary) => {
      const target = canary.spec?.targetRef?.name;
      if (!target) return [];
      return [{ canary, target, namespace: canary.metadata?.namespace ?? '', phase: canary.status?.phase ?? '' }];
    });
  }

  private remember(labels: TargetLabels, series: string, remove: () => void): void {
    const key = objectKey(labels.namespace, labels.name);
    let removers = this.recorded.get(key);
    if (!removers) this.recorded.set(key, (removers = new Map<string, () => void>()));
    removers.set(series, remove);
  }

  /** Removes the event series of targets no watched Canary has any more (the Canary was deleted). */
  private prune(all: readonly Row[]): void {
    const present = new Set(all.map((r) => objectKey(r.namespace, r.target)));
    for (const [key, removers] of this.recorded) {
      if (present.has(key)) continue;
      for (const remove of removers.values()) remove();
      this.recorded.delete(key);
    }
  }
}

/** Flagger exports a canary's status and weights once it is initialized (its primary ready). */
function initialized(row: Row): boolean {
  return row.phase !== '' && row.phase !== 'Initializing';
}
