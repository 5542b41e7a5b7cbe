import { bounded } from '../lib/bounded.js';
import type { CanaryStatus, Condition } from '../api/index.js';

/**
 * Serin's `Reconciled` condition (additive to Flagger's `Promoted`): False with the problem and
 * its fix while Serin cannot work with the Canary (target missing, invalid spec, …), True once it can.
 */
export const RECONCILED = 'Reconciled';

/**
 * The closed set of reasons of the `Reconciled` condition, each listed in docs/operator.md (a test
 * keeps the two in step). Every one comes with a Warning event carrying the same text.
 */
export const ReconcileReason = {
  /** True: Serin manages the canary. */
  Reconciled: 'Reconciled',
  /** The Canary fails validation (a field, the bad value and the fix). */
  InvalidSpec: 'InvalidSpec',
  /** `spec.provider` (or `--mesh-provider`) is not one Serin routes, or its CRDs are not served. */
  ProviderNotSupported: 'ProviderNotSupported',
  /** The canary asks for what its provider cannot do (`analysis.mirror`, `analysis.sessionAffinity`). */
  FeatureNotSupported: 'FeatureNotSupported',
  /** `spec.targetRef.kind` is not a kind Serin releases. */
  TargetNotSupported: 'TargetNotSupported',
  /** The target is missing or has none of the selector labels. */
  TargetNotReady: 'TargetNotReady',
  /** A Service, routing object, primary workload, config copy or autoscaler could not be made. */
  InfrastructureNotReady: 'InfrastructureNotReady',
  /** The target's revision cannot be read (a tracked ConfigMap or Secret is missing). */
  RevisionUnknown: 'RevisionUnknown',
  /** An action of the tick (scale, promote, autoscaler sync) met a problem the user must fix. */
  ActionFailed: 'ActionFailed',
} as const;
/** Union of {@link ReconcileReason} values. */
export type ReconcileReason = (typeof ReconcileReason)[keyof typeof ReconcileReason];

/**
 * Returns `status` with the Reconciled condition set for `problem` (undefined = no problem), carrying
 * the condition over from `previous` when `status` lacks it. Returns the very same object when
 * nothing would change, so callers can skip the write.
 */
export function withReconciledCondition(
  status: CanaryStatus | undefined,
  problem: { readonly reason: ReconcileReason; readonly message: string } | undefined,
  now: number,
  previous: CanaryStatus | undefined = status,
): CanaryStatus | undefined {
  const conditions = status?.conditions ?? [];
  // The engine writes Flagger's conditions only; Serin's own one is carried over from `previous`.
  const current =
    conditions.find((c) => c.type === RECONCILED) ?? previous?.conditions?.find((c) => c.type === RECONCILED);
  const wanted: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'> = problem
    ? { type: RECONCILED, status: 'False', reason: problem.reason, message: bounded(problem.message) }
    : { type: RECONCILED, status: 'True', reason: ReconcileReason.Reconciled, message: 'Serin manages this canary.' };
  if (!current && !problem) return status; // never had a problem: nothing to say
  const same =
    current?.status === wanted.status && current.reason === wanted.reason && current.message === wanted.message;
  if (same && conditions.includes(current)) return status;
  if (same) return { ...status, conditions: [...conditions, current] };
  const at = new Date(now).toISOString();
  const next: Condition = {
    ...wanted,
    lastUpdateTime: at,
    lastTransitionTime: current && current.status === wanted.status ? (current.lastTransitionTime ?? at) : at,
  };
  return { ...status, conditions: [...conditions.filter((c) => c.type !== RECONCILED), next] };
}
