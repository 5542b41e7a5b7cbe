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
import { Counter, Gauge } from 'prom-client';
import type { Canary, CanaryStatus } from '../api/index.js';
import { skipsAnalysis, type Strategy } from '../engine/index.js';
import type { Routes } from '../engine/model.js';
import { objectKey } from '../kube/objects.js';
import { familyText, labelText, TextHistogram, valueText, type ExpositionRegistry } from './exposition.js';

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

/** A Canary object's lines of the per-canary families (its weights excepted: read from the routes). */
interface CanaryLines {
  readonly status: string;
  readonly metric: string;
  readonly phase: string;
  /** The label sets of its two weight series. */
  readonly primaryWorkload: string;
  readonly canaryWorkload: string;
}

/** Flagger's series on one registry; see the module comment. */
export class FlaggerMetrics {
  private source: CanarySource | undefined;
  private readonly duration = new TextHistogram(
    'flagger_canary_duration_seconds',
    'Seconds spent performing canary analysis.',
    DEFAULT_BUCKETS,
  );
  /** Each Canary object's lines, for as long as the cache holds that object. */
  private readonly lines = new WeakMap<Canary, CanaryLines>();
  private readonly successes: Counter<keyof OutcomeLabels>;
  private readonly failures: Counter<keyof OutcomeLabels>;
  /** Canary key → labels of the analysis its running reconcile performed, observed when it ends. */
  private readonly analysed = new Map<string, TargetLabels>();
  /** `namespace/target` → how to remove each event series recorded for it, once no Canary has that target. */
  private readonly recorded = new Map<string, Map<string, () => void>>();

  constructor(
    registry: ExpositionRegistry,
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
    registry.addText(() => this.render());
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
    const series = objectKey(labels.namespace, labels.name);
    this.duration.observe(series, labels, seconds);
    this.remember(labels, 'duration', () => this.duration.remove(series));
  }

  /**
   * total, status, weight, metric values and phase, read from the cache by each scrape, and the
   * duration histogram, in the text format. A Canary object the cache still holds (it replaces an
   * object on each change) reuses its lines of the last scrape; only the weights, read from the
   * routing objects, are rendered afresh.
   */
  private render(): string {
    const rows = this.rows();
    if (rows) this.prune(rows);
    const all = rows ?? [];
    const counts = new Map<string, number>();
    let [total, status, weight, metric, phase] = ['', '', '', '', ''];
    for (const row of all) counts.set(row.namespace, (counts.get(row.namespace) ?? 0) + 1);
    for (const [namespace, n] of counts) total += `flagger_canary_total{${labelText({ namespace })}} ${n}\n`;
    for (const row of all) {
      const lines = this.linesOf(row);
      status += lines.status;
      metric += lines.metric;
      phase += lines.phase;
      const weights = initialized(row) ? this.source?.routes(row.canary) : undefined;
      if (weights) {
        weight += `flagger_canary_weight{${lines.primaryWorkload}} ${valueText(weights.primary)}\n`;
        weight += `flagger_canary_weight{${lines.canaryWorkload}} ${valueText(weights.canary)}\n`;
      }
    }
    return [
      familyText('flagger_canary_total', 'Total number of canary object', 'gauge', total),
      familyText('flagger_canary_status', 'Last canary analysis result', 'gauge', status),
      familyText('flagger_canary_weight', 'The virtual service destination weight current value', 'gauge', weight),
      familyText('flagger_canary_metric_analysis', 'Last canary analysis result per metric', 'gauge', metric),
      familyText(
        'serin_canary_phase',
        'The phase each canary is in: 1 for its current phase (Serin; flagger_canary_status folds phases into 0/1/2)',
        'gauge',
        phase,
      ),
      this.duration.render(),
    ].join('\n');
  }

  /** The lines that depend on the Canary object alone, rendered once per object. */
  private linesOf(row: Row): CanaryLines {
    const cached = this.lines.get(row.canary);
    if (cached) return cached;
    const target = labelText({ name: row.target, namespace: row.namespace });
    let metric = '';
    for (const check of row.canary.status?.lastAnalysis?.checks ?? []) {
      if (check.kind !== 'metric' || check.value === undefined) continue;
      const labels = labelText({ name: row.target, namespace: row.namespace, metric: check.name });
      metric += `flagger_canary_metric_analysis{${labels}} ${valueText(check.value)}\n`;
    }
    const lines: CanaryLines = {
      status: initialized(row) ? `flagger_canary_status{${target}} ${canaryStatusValue(row.phase)}\n` : '',
      metric,
      phase: row.phase
        ? `serin_canary_phase{${labelText({ name: row.target, namespace: row.namespace, phase: row.phase })}} 1\n`
        : '',
      primaryWorkload: labelText({ workload: `${row.target}-primary`, namespace: row.namespace }),
      canaryWorkload: labelText({ workload: row.target, namespace: row.namespace }),
    };
    this.lines.set(row.canary, lines);
    return lines;
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
