/**
 * The DaemonSet adapter of the WorkloadTarget port (Flagger §3.4, §3.6, §4.2, §4.4): the target
 * DaemonSet is the canary; Serin runs the released version as `<target>-primary`. A DaemonSet has
 * no replicas, so between runs the target is "scaled to zero" with a node selector no node
 * matches, and the revision hash leaves that selector out. Reads come from the Cluster's caches;
 * writes happen only when something differs. What every workload kind shares is in
 * pod-workload-target.ts.
 */
import type { Canary } from '../api/index.js';
import type { Readiness } from '../engine/model.js';
import type { Cluster, MergePatch } from '../kube/cluster.js';
import type { Gvk } from '../kube/objects.js';
import {
  daemonSetRevisionTemplate,
  newPrimaryDaemonSet,
  promotedPrimaryDaemonSet,
  SCALE_TO_ZERO_KEY,
  SCALE_TO_ZERO_SELECTOR,
  scaleToZeroValue,
} from './daemonset-primary.js';
import { daemonSetReadiness } from './daemonset-readiness.js';
import { CONFIG_MAP, DAEMON_SET, SECRET, type DaemonSet } from './kube-types.js';
import { PodWorkloadTarget, type PreparedTarget } from './pod-workload-target.js';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS } from './readiness.js';
import type { Problem, Result, TargetOptions, TargetPlugin } from './target.js';
import { canaryKey, canaryOwnerRef } from './writes.js';

/** The kinds the Cluster must cache for this adapter. */
export const DAEMONSET_TARGET_KINDS: readonly Gvk[] = Object.freeze([DAEMON_SET, CONFIG_MAP, SECRET]);

/** Ports the adapter uses. */
export interface DaemonSetTargetDeps {
  /** Reads (from caches) and writes DaemonSets, ConfigMaps and Secrets. */
  readonly cluster: Cluster;
}

/** DaemonSets in the target registry. */
export const DAEMONSET_TARGET: TargetPlugin = Object.freeze({
  gvk: DAEMON_SET,
  kinds: DAEMONSET_TARGET_KINDS,
  create: (deps: DaemonSetTargetDeps, options: TargetOptions) => new DaemonSetTarget(deps, options),
});

/** Update strategies a release can be observed with (`''`: the API server's default, RollingUpdate). */
const ROLLING_STRATEGIES: ReadonlySet<string> = new Set(['', 'RollingUpdate']);

/** Releases a DaemonSet progressively through its `-primary` copy. */
export class DaemonSetTarget extends PodWorkloadTarget<DaemonSet> {
  constructor(deps: DaemonSetTargetDeps, options: TargetOptions = {}) {
    super(DAEMON_SET, deps, options);
  }

  ensurePrimary(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    return this.createPrimary(
      canary,
      ({ target, context }) => newPrimaryDaemonSet(target, context, canaryOwnerRef(canary)),
      signal,
    );
  }

  /** A DaemonSet runs one pod per matching node: there is nothing for an autoscaler to scale. */
  ensurePrimaryScaler(canary: Canary): Promise<Result<void>> {
    if (!canary.spec.autoscalerRef) return Promise.resolve({ ok: true, value: undefined });
    const { namespace, name } = canaryKey(canary);
    return Promise.resolve({
      ok: false,
      problem: {
        message: `canary ${namespace}/${name}: spec.autoscalerRef is not supported for a DaemonSet target`,
        fix: 'remove spec.autoscalerRef: a DaemonSet runs one pod per matching node and has no replicas to scale',
      },
    });
  }

  async scaleToZero(canary: Canary, signal?: AbortSignal): Promise<void> {
    const target = this.require(this.target(canary));
    if (scaleToZeroValue(target.spec.template.spec) === SCALE_TO_ZERO_SELECTOR[SCALE_TO_ZERO_KEY]) return;
    await this.patchNodeSelector(canary, SCALE_TO_ZERO_SELECTOR, signal);
  }

  async scaleUp(canary: Canary, signal?: AbortSignal): Promise<void> {
    const target = this.require(this.target(canary));
    if (scaleToZeroValue(target.spec.template.spec) === undefined) return;
    await this.patchNodeSelector(canary, { [SCALE_TO_ZERO_KEY]: null }, signal);
  }

  protected promotedAnew(canary: Canary, { target, context }: PreparedTarget<DaemonSet>): DaemonSet {
    return newPrimaryDaemonSet(target, context, canaryOwnerRef(canary));
  }

  protected promoted(_canary: Canary, { target, context }: PreparedTarget<DaemonSet>, current: DaemonSet): DaemonSet {
    return promotedPrimaryDaemonSet(current, target, context);
  }

  /** Gives the target its nodes back (Flagger's finalize is scale from zero). */
  async finalize(canary: Canary, signal?: AbortSignal): Promise<void> {
    if (!this.target(canary).ok) return; // nothing left to give back
    await this.scaleUp(canary, signal);
  }

  protected readinessOf(canary: Canary, daemonSet: DaemonSet, threshold: number, now: number): Readiness {
    const deadline = canary.spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
    const since = Date.parse(canary.status?.lastTransitionTime ?? '');
    return daemonSetReadiness(daemonSet, deadline, threshold, Number.isNaN(since) ? undefined : since, now);
  }

  protected override revisionTemplate(target: DaemonSet): unknown {
    return daemonSetRevisionTemplate(target);
  }

  /** Flagger releases only RollingUpdate DaemonSets: with OnDelete a new template never reaches the pods. */
  protected override refusal(target: DaemonSet): Problem | undefined {
    const type = target.spec.updateStrategy?.type ?? '';
    if (ROLLING_STRATEGIES.has(type)) return undefined;
    const { namespace = '', name = '' } = target.metadata;
    return {
      message: `daemonset ${name}.${namespace} must have RollingUpdate strategy but have ${type}`,
      fix: `set spec.updateStrategy.type of DaemonSet ${namespace}/${name} to RollingUpdate`,
    };
  }

  /** Merge-patches the node selector of the target's pod template (`null` removes a key). */
  private async patchNodeSelector(
    canary: Canary,
    nodeSelector: Readonly<Record<string, string | null>>,
    signal?: AbortSignal,
  ): Promise<void> {
    const { namespace } = canaryKey(canary);
    const ref = { ...DAEMON_SET, namespace, name: canary.spec.targetRef.name };
    const patch: MergePatch = { spec: { template: { spec: { nodeSelector } } } };
    await this.cluster.patch(ref, patch, signal ? { signal } : {});
  }
}
