/**
 * What the workload targets share (Flagger §3.4, §3.6, §4.1, §4.2, §4.4): the target named by
 * `spec.targetRef` is the canary and `<target>-primary` runs the released version; the selector
 * label, port discovery, the revision (pod template + tracked configs), what deriving the primary
 * needs, and the wording of readiness. Each kind (deployment.ts, daemonset.ts) adds how its
 * primary is built, how its readiness is judged and how it is scaled. All reads come from the
 * Cluster's caches.
 */
import type { Canary } from '../api/index.js';
import { canaryNotReady, primaryNotReady } from '../engine/messages.js';
import type { Readiness } from '../engine/model.js';
import type { Cluster } from '../kube/cluster.js';
import { deepFreeze } from '../lib/deep-freeze.js';
import type { Gvk, KubeObject, ObjectRef } from '../kube/objects.js';
import { PRIMARY_SUFFIX, scanConfigRefs, type ConfigRef } from './config-refs.js';
import { ConfigTracker, trackedConfigMap, type TrackedConfig } from './config-tracking.js';
import type { Workload } from './kube-types.js';
import type { PrimaryContext } from './primary-workload.js';
import { TargetProblemError } from './problem-error.js';
import { DEFAULT_READY_THRESHOLD } from './readiness.js';
import { FLAGGER_ID_ANNOTATION } from './labels.js';
import { canonicalEqual, specHash } from './revision.js';
import { recordedRevision, type RecordedRevision } from './takeover.js';
import type { Problem, Result, Revision, TargetMetadata, TargetOptions, WorkloadTarget } from './target.js';
import { canaryKey, createIfMissing, upsert } from './writes.js';

/** Selector labels Flagger searches by default (`-selector-labels`). */
export const DEFAULT_SELECTOR_LABELS: readonly string[] = Object.freeze(['app', 'name', 'app.kubernetes.io/name']);

/** Containers whose ports are the mesh's, not the app's (left out of port discovery, as in Flagger). */
const PROXY_CONTAINERS: ReadonlySet<string> = new Set(['istio-proxy', 'envoy']);

/** The target, its tracked configs, and what deriving its primary needs. */
export interface PreparedTarget<W extends Workload> {
  readonly target: W;
  readonly context: PrimaryContext;
  readonly configs: TrackedConfig[];
}

/** A target that passed the checks, before its primary is derived. */
interface Inspected<W extends Workload> {
  readonly target: W;
  readonly label: { readonly labelKey: string; readonly labelValue: string };
  readonly configs: TrackedConfig[];
}

/** A workload kind released through its `-primary` copy: the parts every kind shares. */
export abstract class PodWorkloadTarget<W extends Workload> implements WorkloadTarget {
  protected readonly cluster: Cluster;
  protected readonly options: Required<TargetOptions>;
  protected readonly tracker: ConfigTracker;
  /** The kind in Flagger's messages (`deployment`, `daemonset`). */
  private readonly word: string;
  /** Revision hashes of frozen pod templates (the simulator's cluster), by template. */
  private readonly templateHashes = new WeakMap<object, string>();
  /** What {@link metadata} found for each frozen target object (a changed target is another object). */
  private readonly metadataOf = new WeakMap<object, Result<TargetMetadata>>();

  constructor(
    readonly gvk: Gvk,
    deps: { readonly cluster: Cluster },
    options: TargetOptions = {},
  ) {
    this.cluster = deps.cluster;
    this.word = gvk.kind.toLowerCase();
    this.options = Object.freeze({
      selectorLabels: Object.freeze([...(options.selectorLabels ?? DEFAULT_SELECTOR_LABELS)]),
      includeLabelPrefixes: Object.freeze([...(options.includeLabelPrefixes ?? [])]),
      configTracking: options.configTracking ?? true,
    });
    this.tracker = new ConfigTracker(this.cluster, this.options.includeLabelPrefixes);
  }

  abstract ensurePrimary(canary: Canary, signal?: AbortSignal): Promise<Result<void>>;
  abstract ensurePrimaryScaler(canary: Canary, signal?: AbortSignal): Promise<Result<void>>;
  abstract scaleToZero(canary: Canary, signal?: AbortSignal): Promise<void>;
  abstract scaleUp(canary: Canary, signal?: AbortSignal): Promise<void>;
  abstract finalize(canary: Canary, signal?: AbortSignal): Promise<void>;

  /** The primary as promoting the prepared target over the `current` primary makes it. */
  protected abstract promoted(canary: Canary, prepared: PreparedTarget<W>, current: W): W;

  /** The primary a promotion creates when the primary is missing. */
  protected abstract promotedAnew(canary: Canary, prepared: PreparedTarget<W>): W;

  /** Copies the target's template (and tracked configs as `-primary` copies) to the primary. */
  promote(canary: Canary, signal?: AbortSignal): Promise<void> {
    return this.promoteWith(
      canary,
      (prepared, current) => (current ? this.promoted(canary, prepared, current) : this.promotedAnew(canary, prepared)),
      signal,
    );
  }

  /** Flagger's readiness of one workload of this kind (the target or the primary), unwrapped. */
  protected abstract readinessOf(canary: Canary, workload: W, threshold: number, now: number): Readiness;

  /**
   * specHash of the revision template, kept per template object when that object is frozen (the
   * simulator's cluster freezes what it stores; a change is a new object).
   */
  private templateHash(target: W): string {
    const template = this.revisionTemplate(target);
    if (template === null || typeof template !== 'object' || !Object.isFrozen(template)) return specHash(template);
    let hash = this.templateHashes.get(template);
    if (hash === undefined) this.templateHashes.set(template, (hash = specHash(template)));
    return hash;
  }

  /** What the revision hash covers: the pod template (a kind may leave out what Serin itself changes in it). */
  protected revisionTemplate(target: W): unknown {
    return target.spec.template;
  }

  /** Why this target cannot be released as it is, if it cannot (reported by metadata and ensurePrimary). */
  protected refusal(_target: W): Problem | undefined {
    return undefined;
  }

  configRefs(workload: KubeObject): ConfigRef[] {
    const pod = (workload as Workload).spec?.template?.spec;
    return pod ? scanConfigRefs(pod) : [];
  }

  metadata(canary: Canary): Result<TargetMetadata> {
    const target = this.target(canary);
    if (!target.ok) return target;
    const frozen = Object.isFrozen(target.value);
    let meta = frozen ? this.metadataOf.get(target.value) : undefined;
    if (!meta) {
      meta = this.metadataFrom(target.value);
      if (frozen) this.metadataOf.set(target.value, deepFreeze(meta));
    }
    return meta;
  }

  /** The selector label and named ports of a target this kind releases, or why it does not. */
  private metadataFrom(target: W): Result<TargetMetadata> {
    const refused = this.refusal(target);
    if (refused) return { ok: false, problem: refused };
    const label = this.selectorLabel(target);
    if (!label.ok) return label;
    return { ok: true, value: { ...label.value, ports: containerPorts(target) } };
  }

  revision(canary: Canary): Result<Revision> {
    const target = this.target(canary);
    if (!target.ok) return target;
    const spec = this.templateHash(target.value);
    if (!this.options.configTracking) return { ok: true, value: { spec } };
    const configs = this.trackedConfigs(target.value);
    if (!configs.ok) return configs;
    return { ok: true, value: { spec, trackedConfigs: trackedConfigMap(configs.value) } };
  }

  recordedRevision(canary: Canary): RecordedRevision | undefined {
    const target = this.target(canary);
    if (!target.ok) return undefined;
    return recordedRevision(canary.status, target.value, () => this.primaryRunsTarget(canary));
  }

  primaryReadiness(canary: Canary, now: number): Readiness {
    const { namespace } = canaryKey(canary);
    const target = canary.spec.targetRef.name;
    const threshold = canary.spec.analysis.primaryReadyThreshold ?? DEFAULT_READY_THRESHOLD;
    return this.readiness(canary, target + PRIMARY_SUFFIX, threshold, now, (r) =>
      primaryNotReady(this.gvk.kind, target, namespace, r.reason),
    );
  }

  canaryReadiness(canary: Canary, now: number): Readiness {
    const { namespace } = canaryKey(canary);
    const target = canary.spec.targetRef.name;
    const threshold = canary.spec.analysis.canaryReadyThreshold ?? DEFAULT_READY_THRESHOLD;
    return this.readiness(canary, target, threshold, now, (r) =>
      canaryNotReady(this.gvk.kind, target, namespace, r.retriable, r.reason),
    );
  }

  /**
   * Creates the primary, as `build` derives it from the prepared target, and the `-primary` copies
   * of its configs — once: later changes reach the primary only through promotion, as in Flagger.
   */
  protected async createPrimary(
    canary: Canary,
    build: (prepared: PreparedTarget<W>) => W,
    signal?: AbortSignal,
  ): Promise<Result<void>> {
    // The checks come first (their problems are reported while the primary exists); deriving the
    // primary, which hashes the revision, only when it is missing.
    const inspected = this.inspect(canary);
    if (!inspected.ok) return inspected;
    if (this.primary(canary)) return { ok: true, value: undefined };
    const prepared = this.prepared(inspected.value);
    await this.tracker.syncPrimaryCopies(canary, prepared.configs, signal);
    await createIfMissing(this.cluster, build(prepared), signal);
    return { ok: true, value: undefined };
  }

  /**
   * Brings the `-primary` config copies in step, then makes the primary what `build` derives from
   * the prepared target and the current primary (undefined when missing); writes nothing when equal.
   */
  protected async promoteWith(
    canary: Canary,
    build: (prepared: PreparedTarget<W>, current: W | undefined) => W,
    signal?: AbortSignal,
  ): Promise<void> {
    const prepared = this.require(this.prepare(canary));
    await this.tracker.syncPrimaryCopies(canary, prepared.configs, signal);
    await upsert<W>(
      this.cluster,
      this.primaryRef(canary),
      (current) => {
        const next = build(prepared, current);
        return current && canonicalEqual(next, current) ? undefined : next;
      },
      signal,
    );
  }

  /**
   * Does the primary run the target's pod template: would promoting the target change nothing in
   * the primary's template but the `flagger-id` annotation (random where Go Flagger wrote it)?
   */
  private primaryRunsTarget(canary: Canary): boolean {
    const prepared = this.prepare(canary);
    const current = this.primary(canary);
    if (!prepared.ok || !current) return false;
    const next = this.promoted(canary, prepared.value, current);
    return canonicalEqual(withoutFlaggerId(next), withoutFlaggerId(current));
  }

  /** The target, its selector label, its tracked configs, and what deriving the primary needs. */
  protected prepare(canary: Canary): Result<PreparedTarget<W>> {
    const inspected = this.inspect(canary);
    return inspected.ok ? { ok: true, value: this.prepared(inspected.value) } : inspected;
  }

  /** The target, its selector label and its tracked configs, or the problem with them. */
  private inspect(canary: Canary): Result<Inspected<W>> {
    const target = this.releasable(canary);
    if (!target.ok) return target;
    const label = this.selectorLabel(target.value);
    if (!label.ok) return label;
    const configs = this.options.configTracking ? this.trackedConfigs(target.value) : { ok: true as const, value: [] };
    if (!configs.ok) return configs;
    return { ok: true, value: { target: target.value, label: label.value, configs: configs.value } };
  }

  /** What deriving the primary from an inspected target needs (its `flagger-id` hashes the revision). */
  private prepared({ target, label, configs }: Inspected<W>): PreparedTarget<W> {
    const revision = { spec: this.templateHash(target), configs: trackedConfigMap(configs) };
    const context: PrimaryContext = {
      ...label,
      selectorLabels: this.options.selectorLabels,
      includeLabelPrefixes: this.options.includeLabelPrefixes,
      trackedConfigs: new Set(configs.map((c) => c.key)),
      flaggerId: specHash(revision),
    };
    return { target, context, configs };
  }

  /** The target workload from the cache, or the problem that it is missing. */
  protected target(canary: Canary): Result<W> {
    const { namespace } = canaryKey(canary);
    const name = canary.spec.targetRef.name;
    const target = this.cluster.get<W>(this.ref(namespace, name));
    if (target) return { ok: true, value: target };
    return {
      ok: false,
      problem: {
        message: `${this.word} ${namespace}/${name} not found`,
        fix: `create the ${this.gvk.kind}, or correct spec.targetRef.name`,
      },
    };
  }

  /** The primary workload from the cache. */
  protected primary(canary: Canary): W | undefined {
    return this.cluster.get<W>(this.primaryRef(canary));
  }

  protected primaryRef(canary: Canary): ObjectRef {
    return this.ref(canaryKey(canary).namespace, canary.spec.targetRef.name + PRIMARY_SUFFIX);
  }

  /** The value, or the problem thrown for the controller to report (the port's void operations). */
  protected require<T>(result: Result<T>): T {
    if (!result.ok) throw new TargetProblemError(result.problem satisfies Problem);
    return result.value;
  }

  private ref(namespace: string, name: string): ObjectRef {
    return { ...this.gvk, namespace, name };
  }

  /** The target, unless it is missing or this kind refuses it. */
  private releasable(canary: Canary): Result<W> {
    const target = this.target(canary);
    if (!target.ok) return target;
    const refused = this.refusal(target.value);
    return refused ? { ok: false, problem: refused } : target;
  }

  private selectorLabel(target: W): Result<{ labelKey: string; labelValue: string }> {
    const matchLabels = target.spec.selector.matchLabels ?? {};
    for (const key of this.options.selectorLabels) {
      const value = matchLabels[key];
      if (value !== undefined) return { ok: true, value: { labelKey: key, labelValue: value } };
    }
    const labels = this.options.selectorLabels;
    return {
      ok: false,
      problem: {
        message: `${this.word} ${target.metadata.namespace}/${target.metadata.name} spec.selector.matchLabels must contain one of [${labels.join(' ')}]`,
        fix: `add one of ${labels.join(', ')} to the ${this.gvk.kind}'s selector and pod labels, or start Serin with selector labels that include one the selector has`,
      },
    };
  }

  private trackedConfigs(target: W): Result<TrackedConfig[]> {
    const { namespace = '', name = '' } = target.metadata;
    return this.tracker.track(namespace, target.spec.template.spec, `${this.word} ${namespace}/${name}`);
  }

  /**
   * The readiness of workload `name`, its reason worded by `wrap`; a workload not in the cache is
   * Flagger's GET error, unwrapped and retriable (bootstrap creates it, or the user restores it).
   */
  private readiness(
    canary: Canary,
    name: string,
    threshold: number,
    now: number,
    wrap: (waiting: { readonly retriable: boolean; readonly reason: string }) => string,
  ): Readiness {
    const { namespace } = canaryKey(canary);
    const workload = this.cluster.get<W>(this.ref(namespace, name));
    if (!workload) {
      const reason = `${this.word} ${name}.${namespace} get query error: ${this.word}s.apps "${name}" not found`;
      return { ready: false, retriable: true, reason };
    }
    const readiness = this.readinessOf(canary, workload, threshold, now);
    return readiness.ready ? readiness : { ...readiness, reason: wrap(readiness) };
  }
}

/** A workload's pod template without the `flagger-id` annotation. */
function withoutFlaggerId(workload: Workload): unknown {
  const template = workload.spec.template;
  const annotations = Object.fromEntries(
    Object.entries(template.metadata?.annotations ?? {}).filter(([key]) => key !== FLAGGER_ID_ANNOTATION),
  );
  return { ...template, metadata: { ...template.metadata, annotations } };
}

/** Container ports by name (`tcp-<container>-<index>` when unnamed), as Flagger's port discovery names them. */
function containerPorts(target: Workload): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const container of target.spec.template.spec.containers ?? []) {
    if (PROXY_CONTAINERS.has(container.name)) continue;
    (container.ports ?? []).forEach((p, i) => (ports[p.name || `tcp-${container.name}-${i}`] = p.containerPort));
  }
  return ports;
}
