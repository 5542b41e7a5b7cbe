/**
 * The port for workloads Serin releases (Deployment now; DaemonSet later). One adapter per kind,
 * each in its own file. Reads come from the Cluster's caches; expected problems (target missing,
 * selector label missing, config gone) are returned as values with the fix, never thrown.
 */
import type { Canary } from '../api/index.js';
import type { Readiness } from '../engine/model.js';

/** An expected problem a user must fix, reported on the Canary's status and events. */
export interface Problem {
  /** What is wrong, naming the object: "deployment shop/account not found". */
  readonly message: string;
  /** What to do about it: "create the Deployment or fix spec.targetRef.name". */
  readonly fix: string;
}

/** An operation's value, or the Problem that stopped it (expected problems are values, not throws). */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };

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
  /** Reads the target and finds its selector label. */
  metadata(canary: Canary): Result<TargetMetadata>;
  /** Current revision of the target (template + tracked configs). */
  revision(canary: Canary): Result<Revision>;
  /** Creates `<target>-primary` (and `-primary` copies of tracked configs) if missing; owned by the Canary. */
  ensurePrimary(canary: Canary, signal?: AbortSignal): Promise<Result<void>>;
  /** Creates or updates the primary autoscaler from the target's (`autoscalerRef`); no-op without one. */
  ensurePrimaryScaler(canary: Canary, signal?: AbortSignal): Promise<Result<void>>;
  primaryReadiness(canary: Canary, now: number): Readiness;
  canaryReadiness(canary: Canary, now: number): Readiness;
  /** Scales the target to zero (it only runs during a canary run). */
  scaleToZero(canary: Canary, signal?: AbortSignal): Promise<void>;
  /** Scales the target back up for a canary run (to the HPA minimum or its previous replicas). */
  scaleUp(canary: Canary, signal?: AbortSignal): Promise<void>;
  /** Copies the target's template (and tracked configs as `-primary` copies) to the primary. */
  promote(canary: Canary, signal?: AbortSignal): Promise<void>;
  /** Restores the target for `revertOnDeletion` (scale it back up from the primary's replicas). */
  finalize(canary: Canary, signal?: AbortSignal): Promise<void>;
}
