/**
 * The Deployment adapter of the WorkloadTarget port (Flagger §3.4, §3.6, §4.1, §4.4, §4.5): the
 * target Deployment is the canary; Serin runs the released version as `<target>-primary` and keeps
 * the target scaled to zero between runs. All reads come from the Cluster's caches, so a steady
 * tick makes no API request; writes happen only when something differs.
 */
import type { Canary } from '../api/index.js';
import type { Readiness } from '../engine/model.js';
import type { Cluster } from '../kube/cluster.js';
import type { Gvk, KubeObject } from '../kube/objects.js';
import { PrimaryAutoscaler } from './autoscaler.js';
import { PRIMARY_SUFFIX, scanConfigRefs, type ConfigRef } from './config-refs.js';
import { ConfigTracker, trackedConfigMap, type TrackedConfig } from './config-tracking.js';
import { CONFIG_MAP, DEPLOYMENT, HPA, SECRET, type Deployment } from './kube-types.js';
import { newPrimaryDeployment, promotedPrimaryDeployment, type PrimaryContext } from './primary-deployment.js';
import { TargetProblemError } from './problem-error.js';
import {
  DEFAULT_PROGRESS_DEADLINE_SECONDS,
  DEFAULT_READY_THRESHOLD,
  deploymentReadiness,
  wrapReadiness,
} from './readiness.js';
import { canonicalJson, specHash } from './revision.js';
import type {
  Problem,
  Result,
  Revision,
  TargetMetadata,
  TargetOptions,
  TargetPlugin,
  WorkloadTarget,
} from './target.js';
import { canaryKey, canaryOwnerRef, createIfMissing, upsert } from './writes.js';

/** Selector labels Flagger searches by default (`-selector-labels`). */
export const DEFAULT_SELECTOR_LABELS: readonly string[] = Object.freeze(['app', 'name', 'app.kubernetes.io/name']);

/** The kinds the Cluster must cache for this adapter (HPAs only when canaries use `autoscalerRef`). */
export const DEPLOYMENT_TARGET_KINDS: readonly Gvk[] = Object.freeze([DEPLOYMENT, CONFIG_MAP, SECRET, HPA]);

/** Ports the adapter uses. */
export interface DeploymentTargetDeps {
  /** Reads (from caches) and writes Deployments, ConfigMaps, Secrets and `autoscaling/v2` HPAs. */
  readonly cluster: Cluster;
}

/** Operator-wide settings of the Deployment target. */
export type DeploymentTargetOptions = TargetOptions;

/** Containers whose ports are the mesh's, not the app's (left out of port discovery, as in Flagger). */
const PROXY_CONTAINERS: ReadonlySet<string> = new Set(['istio-proxy', 'envoy']);

/** Deployments in the target registry. */
export const DEPLOYMENT_TARGET: TargetPlugin = Object.freeze({
  gvk: DEPLOYMENT,
  kinds: DEPLOYMENT_TARGET_KINDS,
  create: (deps: DeploymentTargetDeps, options: TargetOptions) => new DeploymentTarget(deps, options),
});

/** Releases a Deployment progressively through its `-primary` copy. */
export class DeploymentTarget implements WorkloadTarget {
  readonly gvk: Gvk = DEPLOYMENT;
  private readonly cluster: Cluster;
  private readonly options: Required<DeploymentTargetOptions>;
  private readonly tracker: ConfigTracker;
  private readonly autoscaler: PrimaryAutoscaler;

  constructor(deps: DeploymentTargetDeps, options: DeploymentTargetOptions = {}) {
    this.cluster = deps.cluster;
    this.options = Object.freeze({
      selectorLabels: Object.freeze([...(options.selectorLabels ?? DEFAULT_SELECTOR_LABELS)]),
      includeLabelPrefixes: Object.freeze([...(options.includeLabelPrefixes ?? [])]),
      configTracking: options.configTracking ?? true,
    });
    this.tracker = new ConfigTracker(this.cluster, this.options.includeLabelPrefixes);
    this.autoscaler = new PrimaryAutoscaler(this.cluster);
  }

  configRefs(workload: KubeObject): ConfigRef[] {
    const pod = (workload as Deployment).spec?.template?.spec;
    return pod ? scanConfigRefs(pod) : [];
  }

  metadata(canary: Canary): Result<TargetMetadata> {
    const target = this.target(canary);
    if (!target.ok) return target;
    const label = this.selectorLabel(target.value);
    if (!label.ok) return label;
    return { ok: true, value: { ...label.value, ports: containerPorts(target.value) } };
  }

  revision(canary: Canary): Result<Revision> {
    const target = this.target(canary);
    if (!target.ok) return target;
    const spec = specHash(target.value.spec.template);
    if (!this.options.configTracking) return { ok: true, value: { spec } };
    const configs = this.trackedConfigs(target.value);
    if (!configs.ok) return configs;
    return { ok: true, value: { spec, trackedConfigs: trackedConfigMap(configs.value) } };
  }

  async ensurePrimary(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    const prepared = this.prepare(canary);
    if (!prepared.ok) return prepared;
    const { target, context, configs } = prepared.value;
    // Flagger creates the primary once; later changes reach it only through promotion.
    if (this.cluster.get(this.primaryRef(canary))) return { ok: true, value: undefined };
    await this.tracker.syncPrimaryCopies(canary, configs, signal);
    const replicas = positive(target.spec.replicas) ?? this.autoscaler.minReplicas(canary) ?? 1;
    const primary = newPrimaryDeployment(target, context, canaryOwnerRef(canary), replicas);
    await createIfMissing(this.cluster, primary, signal);
    return { ok: true, value: undefined };
  }

  ensurePrimaryScaler(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    return this.autoscaler.ensure(canary, signal);
  }

  primaryReadiness(canary: Canary, now: number): Readiness {
    const { namespace } = canaryKey(canary);
    const name = canary.spec.targetRef.name + PRIMARY_SUFFIX;
    const threshold = canary.spec.analysis.primaryReadyThreshold ?? DEFAULT_READY_THRESHOLD;
    return this.readiness(canary, name, threshold, now, `${name}.${namespace} not ready: `);
  }

  canaryReadiness(canary: Canary, now: number): Readiness {
    const { namespace } = canaryKey(canary);
    const name = canary.spec.targetRef.name;
    const threshold = canary.spec.analysis.canaryReadyThreshold ?? DEFAULT_READY_THRESHOLD;
    return this.readiness(canary, name, threshold, now, `canary deployment ${name}.${namespace} not ready: `);
  }

  async scaleToZero(canary: Canary, signal?: AbortSignal): Promise<void> {
    this.require(this.target(canary));
    await this.scaleTarget(canary, 0, signal);
  }

  async scaleUp(canary: Canary, signal?: AbortSignal): Promise<void> {
    const target = this.require(this.target(canary));
    await this.scaleTarget(canary, this.scaleUpReplicas(canary, target), signal);
  }

  async promote(canary: Canary, signal?: AbortSignal): Promise<void> {
    const { target, context, configs } = this.require(this.prepare(canary));
    await this.tracker.syncPrimaryCopies(canary, configs, signal);
    // An autoscaler owns the primary's replicas; without one the primary takes the canary's.
    const copyReplicas = !canary.spec.autoscalerRef;
    await upsert<Deployment>(
      this.cluster,
      this.primaryRef(canary),
      (current) => {
        if (!current)
          return newPrimaryDeployment(target, context, canaryOwnerRef(canary), this.scaleUpReplicas(canary, target));
        const next = promotedPrimaryDeployment(current, target, context, copyReplicas);
        return canonicalJson(next) === canonicalJson(current) ? undefined : next;
      },
      signal,
    );
  }

  async finalize(canary: Canary, signal?: AbortSignal): Promise<void> {
    const target = this.target(canary);
    if (!target.ok) return; // nothing left to give back; blocking deletion would not bring it back either
    const primary = this.cluster.get<Deployment>(this.primaryRef(canary));
    if (!primary) return this.scaleUp(canary, signal);
    const replicas = primary.spec.replicas ?? 1;
    if (target.value.spec.replicas !== replicas) await this.scaleTarget(canary, replicas, signal);
  }

  /** The target, its selector label, its tracked configs, and what deriving the primary needs. */
  private prepare(canary: Canary): Result<{ target: Deployment; context: PrimaryContext; configs: TrackedConfig[] }> {
    const target = this.target(canary);
    if (!target.ok) return target;
    const label = this.selectorLabel(target.value);
    if (!label.ok) return label;
    const configs = this.options.configTracking ? this.trackedConfigs(target.value) : { ok: true as const, value: [] };
    if (!configs.ok) return configs;
    const context: PrimaryContext = {
      ...label.value,
      selectorLabels: this.options.selectorLabels,
      includeLabelPrefixes: this.options.includeLabelPrefixes,
      trackedConfigs: new Set(configs.value.map((c) => c.key)),
      flaggerId: specHash({ spec: specHash(target.value.spec.template), configs: trackedConfigMap(configs.value) }),
    };
    return { ok: true, value: { target: target.value, context, configs: configs.value } };
  }

  private target(canary: Canary): Result<Deployment> {
    const { namespace } = canaryKey(canary);
    const name = canary.spec.targetRef.name;
    const target = this.cluster.get<Deployment>({ ...DEPLOYMENT, namespace, name });
    if (target) return { ok: true, value: target };
    return {
      ok: false,
      problem: {
        message: `deployment ${namespace}/${name} not found`,
        fix: 'create the Deployment, or correct spec.targetRef.name',
      },
    };
  }

  private selectorLabel(target: Deployment): Result<{ labelKey: string; labelValue: string }> {
    const matchLabels = target.spec.selector.matchLabels ?? {};
    for (const key of this.options.selectorLabels) {
      const value = matchLabels[key];
      if (value !== undefined) return { ok: true, value: { labelKey: key, labelValue: value } };
    }
    const labels = this.options.selectorLabels;
    return {
      ok: false,
      problem: {
        message: `deployment ${target.metadata.namespace}/${target.metadata.name} spec.selector.matchLabels must contain one of [${labels.join(' ')}]`,
        fix: `add one of ${labels.join(', ')} to the Deployment's selector and pod labels, or start Serin with selector labels that include one the selector has`,
      },
    };
  }

  private trackedConfigs(target: Deployment): Result<TrackedConfig[]> {
    const { namespace = '', name = '' } = target.metadata;
    return this.tracker.track(namespace, target.spec.template.spec, `deployment ${namespace}/${name}`);
  }

  private readiness(canary: Canary, name: string, threshold: number, now: number, prefix: string): Readiness {
    const { namespace } = canaryKey(canary);
    const deployment = this.cluster.get<Deployment>({ ...DEPLOYMENT, namespace, name });
    if (!deployment) {
      // Flagger's text for a failed GET; retriable, since bootstrap creates it (or the user restores it).
      const reason = `deployment ${name}.${namespace} get query error: deployments.apps "${name}" not found`;
      return { ready: false, retriable: true, reason };
    }
    const deadline = canary.spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
    return wrapReadiness(deploymentReadiness(deployment, deadline, threshold, now), prefix);
  }

  /** Flagger's scale-from-zero count: the target's own, else the HPA minimum, else the primary's, else 1. */
  private scaleUpReplicas(canary: Canary, target: Deployment): number {
    const own = positive(target.spec.replicas);
    if (own !== undefined) return own;
    if (canary.spec.autoscalerRef) return Math.max(1, this.autoscaler.minReplicas(canary) ?? 1);
    const primary = this.cluster.get<Deployment>(this.primaryRef(canary));
    return positive(primary?.spec.replicas) ?? 1;
  }

  private async scaleTarget(canary: Canary, replicas: number, signal?: AbortSignal): Promise<void> {
    const { namespace } = canaryKey(canary);
    const ref = { ...DEPLOYMENT, namespace, name: canary.spec.targetRef.name };
    await this.cluster.patch(ref, { spec: { replicas } }, signal ? { signal } : {});
  }

  private primaryRef(canary: Canary) {
    const { namespace } = canaryKey(canary);
    return { ...DEPLOYMENT, namespace, name: canary.spec.targetRef.name + PRIMARY_SUFFIX };
  }

  private require<T>(result: Result<T>): T {
    if (!result.ok) throw new TargetProblemError(result.problem satisfies Problem);
    return result.value;
  }
}

/** Container ports by name (`tcp-<container>-<index>` when unnamed), as Flagger's port discovery names them. */
function containerPorts(target: Deployment): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const container of target.spec.template.spec.containers ?? []) {
    if (PROXY_CONTAINERS.has(container.name)) continue;
    (container.ports ?? []).forEach((p, i) => (ports[p.name || `tcp-${container.name}-${i}`] = p.containerPort));
  }
  return ports;
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}
