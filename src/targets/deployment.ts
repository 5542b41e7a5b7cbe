/**
 * The Deployment adapter of the WorkloadTarget port (Flagger §3.4, §3.6, §4.1, §4.4, §4.5): the
 * target Deployment is the canary; Serin runs the released version as `<target>-primary` and keeps
 * the target scaled to zero between runs. All reads come from the Cluster's caches, so a steady
 * tick makes no API request; writes happen only when something differs. What every workload kind
 * shares is in pod-workload-target.ts.
 */
import type { Canary } from '../api/index.js';
import type { Readiness } from '../engine/model.js';
import type { Cluster } from '../kube/cluster.js';
import type { Gvk } from '../kube/objects.js';
import { PrimaryAutoscaler } from './autoscaler.js';
import { CONFIG_MAP, DEPLOYMENT, HPA, SCALED_OBJECT, SECRET, type Deployment } from './kube-types.js';
import { PodWorkloadTarget, type PreparedTarget } from './pod-workload-target.js';
import { newPrimaryDeployment, promotedPrimaryDeployment } from './primary-deployment.js';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, deploymentReadiness } from './readiness.js';
import type { Result, TargetOptions, TargetPlugin } from './target.js';
import { canaryKey, canaryOwnerRef } from './writes.js';

export { DEFAULT_SELECTOR_LABELS } from './pod-workload-target.js';

/** The kinds the Cluster must cache for this adapter (HPAs only when canaries use `autoscalerRef`). */
export const DEPLOYMENT_TARGET_KINDS: readonly Gvk[] = Object.freeze([DEPLOYMENT, CONFIG_MAP, SECRET, HPA]);
/** Kinds it caches where the cluster serves them: KEDA's ScaledObjects. */
export const DEPLOYMENT_TARGET_OPTIONAL_KINDS: readonly Gvk[] = Object.freeze([SCALED_OBJECT]);

/** Ports the adapter uses. */
export interface DeploymentTargetDeps {
  /** Reads (from caches) and writes Deployments, ConfigMaps, Secrets, `autoscaling/v2` HPAs and ScaledObjects. */
  readonly cluster: Cluster;
  /** Whether the cluster serves an optional kind (ScaledObjects); default all. */
  readonly served?: ((gvk: Gvk) => boolean) | undefined;
}

/** Operator-wide settings of the Deployment target. */
export type DeploymentTargetOptions = TargetOptions;

/** Deployments in the target registry. */
export const DEPLOYMENT_TARGET: TargetPlugin = Object.freeze({
  gvk: DEPLOYMENT,
  kinds: DEPLOYMENT_TARGET_KINDS,
  optionalKinds: DEPLOYMENT_TARGET_OPTIONAL_KINDS,
  create: (deps: DeploymentTargetDeps, options: TargetOptions) => new DeploymentTarget(deps, options),
});

/** Releases a Deployment progressively through its `-primary` copy. */
export class DeploymentTarget extends PodWorkloadTarget<Deployment> {
  private readonly autoscaler: PrimaryAutoscaler;

  constructor(deps: DeploymentTargetDeps, options: DeploymentTargetOptions = {}) {
    super(DEPLOYMENT, deps, options);
    this.autoscaler = new PrimaryAutoscaler(this.cluster, deps.served);
  }

  ensurePrimary(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    return this.createPrimary(
      canary,
      ({ target, context }) => {
        const replicas = positive(target.spec.replicas) ?? this.autoscaler.minReplicas(canary) ?? 1;
        return newPrimaryDeployment(target, context, canaryOwnerRef(canary), replicas);
      },
      signal,
    );
  }

  ensurePrimaryScaler(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    return this.autoscaler.ensure(canary, signal);
  }

  /** Scales the target to zero, its KEDA ScaledObject paused first so KEDA does not scale it back. */
  async scaleToZero(canary: Canary, signal?: AbortSignal): Promise<void> {
    this.require(this.target(canary));
    await this.autoscaler.pauseTarget(canary, signal);
    await this.scaleTarget(canary, 0, signal);
  }

  /** Scales the target up for a canary run, its KEDA ScaledObject resumed first. */
  async scaleUp(canary: Canary, signal?: AbortSignal): Promise<void> {
    const target = this.require(this.target(canary));
    await this.autoscaler.resumeTarget(canary, signal);
    await this.scaleTarget(canary, this.scaleUpReplicas(canary, target), signal);
  }

  protected promotedAnew(canary: Canary, { target, context }: PreparedTarget<Deployment>): Deployment {
    return newPrimaryDeployment(target, context, canaryOwnerRef(canary), this.scaleUpReplicas(canary, target));
  }

  protected promoted(canary: Canary, { target, context }: PreparedTarget<Deployment>, current: Deployment): Deployment {
    // An autoscaler owns the primary's replicas; without one the primary takes the canary's.
    return promotedPrimaryDeployment(current, target, context, !canary.spec.autoscalerRef);
  }

  async finalize(canary: Canary, signal?: AbortSignal): Promise<void> {
    const target = this.target(canary);
    if (!target.ok) return; // nothing left to give back; blocking deletion would not bring it back either
    const primary = this.primary(canary);
    if (!primary) return this.scaleUp(canary, signal);
    await this.autoscaler.resumeTarget(canary, signal);
    const replicas = primary.spec.replicas ?? 1;
    if (target.value.spec.replicas !== replicas) await this.scaleTarget(canary, replicas, signal);
  }

  protected readinessOf(canary: Canary, deployment: Deployment, threshold: number, now: number): Readiness {
    const deadline = canary.spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
    return deploymentReadiness(deployment, deadline, threshold, now);
  }

  /** Flagger's scale-from-zero count: the target's own, else the HPA minimum, else the primary's, else 1. */
  private scaleUpReplicas(canary: Canary, target: Deployment): number {
    const own = positive(target.spec.replicas);
    if (own !== undefined) return own;
    if (canary.spec.autoscalerRef) return Math.max(1, this.autoscaler.minReplicas(canary) ?? 1);
    return positive(this.primary(canary)?.spec.replicas) ?? 1;
  }

  private async scaleTarget(canary: Canary, replicas: number, signal?: AbortSignal): Promise<void> {
    const { namespace } = canaryKey(canary);
    const ref = { ...DEPLOYMENT, namespace, name: canary.spec.targetRef.name };
    await this.cluster.patch(ref, { spec: { replicas } }, signal ? { signal } : {});
  }
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}
