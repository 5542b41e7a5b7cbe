/**
 * The port for workloads Serin releases (Deployment, DaemonSet). One adapter per kind,
 * each in its own file. Reads come from the Cluster's caches; expected problems (target missing,
 * selector label missing, config gone) are returned as values with the fix, never thrown.
 */
import type { Canary } from '../api/index.js';
import type { Readiness } from '../engine/model.js';
import type { Result } from '../lib/result.js';
import type { Cluster } from '../kube/cluster.js';
import type { Gvk, KubeObject } from '../kube/objects.js';
import type { ConfigRef } from './config-refs.js';
import type { RecordedRevision } from './takeover.js';

export type { Problem, Result } from '../lib/result.js';

/** What the routers and services need to know about the target. */
export interface TargetMetadata {
  /** The selector label key found on the target (first of the operator's selector labels). */
  readonly labelKey: string;
  /** That label's value on the target's selector. */
  readonly labelValue: string;
  /** Named container ports (for `service.portDiscovery`). */
  readonly ports: Readonly<Record<string, number>>;
}

/** The revision of the target: what a change of triggers a canary run. */
export interface Revision {
  /** Stable hash of the pod template (field order and Serin version do not change it). */
  readonly spec: string;
  /** `configmap/<name>` / `secret/<name>` → content hash; undefined when tracking is off. */
  readonly trackedConfigs?: Readonly<Record<string, string>>;
}

/** One workload kind Serin releases through a `-primary` copy; reads from caches, writes only on difference. */
export interface WorkloadTarget {
  /** The workload kind it releases (`spec.targetRef.kind`) with its API version. */
  readonly gvk: Gvk;
  /**
   * The ConfigMaps and Secrets a workload object of this kind uses (one scan for tracking and for
   * routing a config's watch event to the canaries whose target uses it).
   */
  configRefs(workload: KubeObject): ConfigRef[];
  /** Reads the target and finds its selector label. */
  metadata(canary: Canary): Result<TargetMetadata>;
  /** Current revision of the target (template + tracked configs). */
  revision(canary: Canary): Result<Revision>;
  /**
   * When the status holds a revision hash Serin cannot compute (written by Go Flagger before a
   * switch): whether the target's current template is that revision, and why (takeover.ts).
   * Undefined when there is nothing to take over or the target is missing.
   */
  recordedRevision(canary: Canary): RecordedRevision | undefined;
  /** Creates `<target>-primary` (and `-primary` copies of tracked configs) if missing; owned by the Canary. */
  ensurePrimary(canary: Canary, signal?: AbortSignal): Promise<Result<void>>;
  /** Creates or updates the primary autoscaler from the target's (`autoscalerRef`); no-op without one. */
  ensurePrimaryScaler(canary: Canary, signal?: AbortSignal): Promise<Result<void>>;
  primaryReadiness(canary: Canary, now: number): Readiness;
  canaryReadiness(canary: Canary, now: number): Readiness;
  /** Scales the target to zero (it only runs during a canary run): no replicas (Deployment), no node (DaemonSet). */
  scaleToZero(canary: Canary, signal?: AbortSignal): Promise<void>;
  /** Scales the target back up for a canary run (Deployment: to the HPA minimum or its previous replicas). */
  scaleUp(canary: Canary, signal?: AbortSignal): Promise<void>;
  /** Copies the target's template (and tracked configs as `-primary` copies) to the primary. */
  promote(canary: Canary, signal?: AbortSignal): Promise<void>;
  /** Restores the target for `revertOnDeletion` (scales it back up; a Deployment to the primary's replicas). */
  finalize(canary: Canary, signal?: AbortSignal): Promise<void>;
}

/** Operator-wide settings of every target (Flagger's `-selector-labels`, `-include-label-prefix`, `-enable-config-tracking`). */
export interface TargetOptions {
  /** Pod label keys searched, in this order, in the target's selector. Default `app`, `name`, `app.kubernetes.io/name`. */
  readonly selectorLabels?: readonly string[];
  /** Prefixes of the target's labels and annotations copied to the primary (`*` = all). Default none. */
  readonly includeLabelPrefixes?: readonly string[];
  /** Track ConfigMaps and Secrets as part of the revision and give the primary its own copies. Default true. */
  readonly configTracking?: boolean;
}

/** One workload kind in the target registry: what it caches and how its target is built. */
export interface TargetPlugin {
  /** The workload kind (`spec.targetRef.kind`). */
  readonly gvk: Gvk;
  /** Every kind its target reads or writes, its own included (ConfigMaps, Secrets, HPAs): the operator caches them. */
  readonly kinds: readonly Gvk[];
  /** Kinds it also reads or writes where the cluster serves them (KEDA ScaledObjects): cached when served. */
  readonly optionalKinds?: readonly Gvk[];
  /**
   * Builds the target on a cluster whose caches hold {@link kinds} and the served
   * {@link optionalKinds}; `served` says which those are (default: all).
   */
  create(
    deps: { readonly cluster: Cluster; readonly served?: ((gvk: Gvk) => boolean) | undefined },
    options: TargetOptions,
  ): WorkloadTarget;
}
