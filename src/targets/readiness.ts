/**
 * Flagger's Deployment readiness check (§3.6), as a pure function of the Deployment's spec and
 * status, the progress deadline, the ready threshold and the time. Messages are Flagger's, word
 * for word: users search for them.
 */
import type { Readiness } from '../engine/model.js';
import type { Deployment, DeploymentCondition } from './kube-types.js';

/** Default `progressDeadlineSeconds` of a Canary: 600 s. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
/** Default `primaryReadyThreshold` / `canaryReadyThreshold`: 100 %. */
export const DEFAULT_READY_THRESHOLD = 100;

/**
 * Is `deployment` rolled out? Not ready while the controller has not observed the latest
 * generation, while replicas are being updated or old ones terminate, or while fewer than
 * `threshold`% of the updated replicas are available. Waiting is retriable except when the
 * Deployment reports `ProgressDeadlineExceeded`, or when it has been `MinimumReplicasUnavailable`
 * for longer than `deadlineSeconds` (measured from the condition's `lastUpdateTime` to `now`, ms).
 */
export function deploymentReadiness(
  deployment: Deployment,
  deadlineSeconds: number,
  threshold: number,
  now: number,
): Readiness {
  const status = deployment.status ?? {};
  if ((deployment.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return waiting(true, 'waiting for rollout to finish: observed deployment generation less than desired generation');
  }
  const progressing = condition(deployment, 'Progressing');
  let retriable = true;
  if (progressing) {
    const available = condition(deployment, 'Available');
    if (available?.status === 'False' && available.reason === 'MinimumReplicasUnavailable') {
      const since = Date.parse(available.lastUpdateTime ?? '');
      // Go: retriable = !from.Add(deadline).Before(now); a missing timestamp is the zero time.
      retriable = !((Number.isNaN(since) ? -62135596800000 : since) + deadlineSeconds * 1000 < now);
    }
  }
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const availableReplicas = status.availableReplicas ?? 0;
  const readyUpdated = readyThresholdReplicas(updated, threshold);
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return waiting(false, `deployment "${deployment.metadata.name ?? ''}" exceeded its progress deadline`);
  }
  const desired = deployment.spec.replicas;
  if (desired !== undefined && updated < desired) {
    return waiting(
      retriable,
      `waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated`,
    );
  }
  if (replicas > updated) {
    return waiting(
      retriable,
      `waiting for rollout to finish: ${replicas - updated} old replicas are pending termination`,
    );
  }
  if (availableReplicas < readyUpdated) {
    return waiting(
      retriable,
      `waiting for rollout to finish: ${availableReplicas} of ${readyUpdated} (readyThreshold ${threshold}%) updated replicas are available`,
    );
  }
  return { ready: true };
}

/**
 * `trunc(updated × threshold / 100)` in float32, as Flagger computes it, so that thresholds like
 * 70 % give the same replica count (e.g. 10 × 0.7f = 7, where float64 would also say 7 but other
 * pairs differ at the last bit).
 */
export function readyThresholdReplicas(updated: number, threshold: number): number {
  const ratio = Math.fround(Math.fround(threshold) / Math.fround(100));
  return Math.trunc(Math.fround(Math.fround(updated) * ratio));
}

function condition(deployment: Deployment, type: string): DeploymentCondition | undefined {
  return deployment.status?.conditions?.find((c) => c.type === type);
}

function waiting(retriable: boolean, reason: string): Readiness {
  return { ready: false, retriable, reason };
}
