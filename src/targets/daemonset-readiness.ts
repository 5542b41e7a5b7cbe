/**
 * Flagger's DaemonSet readiness check (§3.6), as a pure function of the DaemonSet's status, the
 * progress deadline, the ready threshold and the time. Messages are Flagger's, word for word.
 */
import type { Readiness } from '../engine/model.js';
import type { DaemonSet } from './kube-types.js';
import { readyThresholdReplicas } from './readiness.js';

/**
 * Is `daemonSet` rolled out? Not ready while the controller has not observed the latest
 * generation, while nodes still run pods of an older template, or while fewer than `threshold`%
 * of the desired pods are available. Waiting is retriable until `deadlineSeconds` have passed
 * since `since` (ms; Flagger takes the Canary's `status.lastTransitionTime`, i.e. its last status
 * change). Without a `since` — a canary whose status was never written — there is no deadline
 * yet (Go Flagger's zero time would make every wait non-retriable at once).
 */
export function daemonSetReadiness(
  daemonSet: DaemonSet,
  deadlineSeconds: number,
  threshold: number,
  since: number | undefined,
  now: number,
): Readiness {
  const status = daemonSet.status ?? {};
  if ((daemonSet.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return waiting(true, 'waiting for rollout to finish: observed daemonset generation less than desired generation');
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  const readyDesired = readyThresholdReplicas(desired, threshold);
  const updating = updated < desired;
  if (!updating && available >= readyDesired) return { ready: true };
  if (since !== undefined && since + deadlineSeconds * 1000 < now) {
    return waiting(false, `exceeded its progressDeadlineSeconds: ${deadlineSeconds}`);
  }
  if (updating) {
    return waiting(true, `waiting for rollout to finish: ${updated} out of ${desired} new pods have been updated`);
  }
  return waiting(
    true,
    `waiting for rollout to finish: ${available} of ${readyDesired} (readyThreshold ${threshold}%) updated pods are available`,
  );
}

function waiting(retriable: boolean, reason: string): Readiness {
  return { ready: false, retriable, reason };
}
