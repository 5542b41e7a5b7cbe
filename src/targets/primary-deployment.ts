/**
 * The `<target>-primary` Deployment as Flagger derives it from the target (§4.1): built new at
 * bootstrap, or the existing primary with the target's template copied in at promotion. Pure
 * functions over primary-workload.ts; deployment.ts does the reading and writing.
 */
import type { OwnerReference } from '../kube/objects.js';
import type { Deployment } from './kube-types.js';
import { withPrimaryAffinity } from './labels.js';
import { newPrimary, promotedPrimary, type PrimaryContext, type PrimaryRules } from './primary-workload.js';

export type { PrimaryContext } from './primary-workload.js';

/** Rollout settings copied from the target; anti-affinity and spread constraints aimed at the primary's pods. */
const DEPLOYMENT_RULES: PrimaryRules = {
  copiedSpecFields: ['progressDeadlineSeconds', 'minReadySeconds', 'revisionHistoryLimit', 'strategy'],
  podSpec: (pod, context, targetName) => withPrimaryAffinity(pod, context.selectorLabels, targetName),
};

/** A new primary for `target`, owned by `owner`, with `replicas` replicas. */
export function newPrimaryDeployment(
  target: Deployment,
  context: PrimaryContext,
  owner: OwnerReference,
  replicas: number,
): Deployment {
  return newPrimary(target, context, owner, DEPLOYMENT_RULES, { replicas });
}

/**
 * `current` (the primary) with the target's pod template, rollout settings and metadata copied in.
 * The selector is never changed (it is immutable). Replicas are copied only when `copyReplicas`
 * (no autoscaler manages the primary) and the target has some.
 */
export function promotedPrimaryDeployment(
  current: Deployment,
  target: Deployment,
  context: PrimaryContext,
  copyReplicas: boolean,
): Deployment {
  const next = promotedPrimary(current, target, context, DEPLOYMENT_RULES);
  const replicas = target.spec.replicas ?? 0;
  if (copyReplicas && replicas > 0) next.spec.replicas = replicas;
  return next;
}
