/**
 * The `<target>-primary` DaemonSet as Flagger derives it from the target (§4.2), and the node
 * selector with which Serin "scales a DaemonSet to zero" (a DaemonSet has no replicas: no node
 * matches the selector, so no node runs its pods). Pure functions; daemonset.ts reads and writes.
 */
import type { OwnerReference } from '../kube/objects.js';
import type { DaemonSet, PodSpec, PodTemplateSpec } from './kube-types.js';
import { newPrimary, promotedPrimary, type PrimaryContext, type PrimaryRules } from './primary-workload.js';

/** The node-selector key (value `"true"`) Serin adds to the target's pods to scale it to zero, as Flagger does. */
export const SCALE_TO_ZERO_KEY = 'flagger.app/scale-to-zero';

/** The node selector that scales a DaemonSet to zero: no node carries this label. */
export const SCALE_TO_ZERO_SELECTOR: Readonly<Record<string, string>> = Object.freeze({ [SCALE_TO_ZERO_KEY]: 'true' });

/** The value of the scale-to-zero node-selector key in the pod spec (undefined: not scaled to zero by Serin). */
export function scaleToZeroValue(pod: PodSpec): string | undefined {
  return pod.nodeSelector?.[SCALE_TO_ZERO_KEY];
}

/** A copy of `pod` without the scale-to-zero node selector (an empty selector left out, as the API server leaves it out). */
export function withoutScaleToZero(pod: PodSpec): PodSpec {
  if (!pod.nodeSelector) return pod;
  const rest = Object.fromEntries(Object.entries(pod.nodeSelector).filter(([k]) => k !== SCALE_TO_ZERO_KEY));
  const copy: PodSpec = { ...pod, nodeSelector: rest };
  if (Object.keys(rest).length === 0) delete copy.nodeSelector;
  return copy;
}

/**
 * What the revision hash of a DaemonSet covers: its pod template without the scale-to-zero node
 * selector, so that Serin scaling the target to zero and back is not a new revision.
 */
export function daemonSetRevisionTemplate(target: DaemonSet): PodTemplateSpec {
  const template = target.spec.template;
  return { ...template, spec: withoutScaleToZero(template.spec) };
}

/** Rollout settings copied from the target; no replicas and no affinity rewrite; never scaled to zero. */
const DAEMONSET_RULES: PrimaryRules = {
  copiedSpecFields: ['minReadySeconds', 'revisionHistoryLimit', 'updateStrategy'],
  podSpec: (pod) => withoutScaleToZero(pod),
};

/** A new primary for `target`, owned by `owner` (built from a target at zero, it still runs on every node). */
export function newPrimaryDaemonSet(target: DaemonSet, context: PrimaryContext, owner: OwnerReference): DaemonSet {
  return newPrimary(target, context, owner, DAEMONSET_RULES);
}

/** `current` (the primary) with the target's pod template, rollout settings and metadata copied in; selector kept. */
export function promotedPrimaryDaemonSet(current: DaemonSet, target: DaemonSet, context: PrimaryContext): DaemonSet {
  return promotedPrimary(current, target, context, DAEMONSET_RULES);
}
