/**
 * The `<target>-primary` Deployment as Flagger derives it from the target (§4.1): built new at
 * bootstrap, or the existing primary with the target's template copied in at promotion. Pure
 * functions; deployment.ts does the reading and writing.
 */
import type { OwnerReference } from '../kube/objects.js';
import { PRIMARY_SUFFIX, withPrimaryConfigRefs } from './config-refs.js';
import type { Deployment, DeploymentSpec, PodTemplateSpec } from './kube-types.js';
import { includeByPrefix, primaryLabels, primaryPodAnnotations, withPrimaryAffinity } from './labels.js';

/** What deriving the primary from the target needs besides the target itself. */
export interface PrimaryContext {
  /** The selector label found on the target and its value there. */
  readonly labelKey: string;
  readonly labelValue: string;
  /** The operator's selector labels (for the anti-affinity rewrite). */
  readonly selectorLabels: readonly string[];
  /** Label and annotation prefixes copied to the primary's metadata. */
  readonly includeLabelPrefixes: readonly string[];
  /** Keys (`configmap/<name>`, `secret/<name>`) of the configs the primary uses `-primary` copies of. */
  readonly trackedConfigs: ReadonlySet<string>;
  /**
   * Value of the `flagger-id` pod annotation. Serin derives it from the revision (not a random
   * UUID as Flagger does): a config-only change still rolls the primary's pods, and promoting the
   * same revision twice does not roll them again.
   */
  readonly flaggerId: string;
}

/** Spec fields copied from the target on bootstrap and on every promotion. */
const COPIED_SPEC_FIELDS = ['progressDeadlineSeconds', 'minReadySeconds', 'revisionHistoryLimit', 'strategy'] as const;

/** A new primary for `target`, owned by `owner`, with `replicas` replicas. */
export function newPrimaryDeployment(
  target: Deployment,
  context: PrimaryContext,
  owner: OwnerReference,
  replicas: number,
): Deployment {
  const primaryValue = context.labelValue + PRIMARY_SUFFIX;
  const spec: DeploymentSpec = {
    replicas,
    selector: { matchLabels: { [context.labelKey]: primaryValue } },
    template: primaryTemplate(target, context),
  };
  copySpecFields(target.spec, spec);
  return {
    apiVersion: target.apiVersion,
    kind: target.kind,
    metadata: {
      name: (target.metadata.name ?? '') + PRIMARY_SUFFIX,
      namespace: target.metadata.namespace ?? '',
      ...primaryMetadata(target, context),
      ownerReferences: [owner],
    },
    spec,
  };
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
  const spec: DeploymentSpec = { ...current.spec, template: primaryTemplate(target, context) };
  copySpecFields(target.spec, spec);
  const replicas = target.spec.replicas ?? 0;
  if (copyReplicas && replicas > 0) spec.replicas = replicas;
  return { ...current, metadata: { ...current.metadata, ...primaryMetadata(target, context, current) }, spec };
}

/** The primary's pod template: selector label rewritten, tracked configs and anti-affinity pointed at the primary. */
function primaryTemplate(target: Deployment, context: PrimaryContext): PodTemplateSpec {
  const source = target.spec.template;
  const targetName = target.metadata.name ?? '';
  const pod = withPrimaryAffinity(
    withPrimaryConfigRefs(source.spec, context.trackedConfigs),
    context.selectorLabels,
    targetName,
  );
  return {
    ...source,
    metadata: {
      ...source.metadata,
      labels: primaryLabels(source.metadata?.labels, context.labelKey, context.labelValue + PRIMARY_SUFFIX),
      annotations: primaryPodAnnotations(source.metadata?.annotations, context.flaggerId),
    },
    spec: pod,
  };
}

/**
 * Labels and annotations of the primary Deployment object: only keys with an included prefix,
 * plus the rewritten selector label. (Flagger copies all annotations at bootstrap but only
 * prefixed ones at promotion; Serin uses the prefix rule for both.) The Deployment controller's
 * own annotations (`deployment.kubernetes.io/…`, e.g. the revision number) are never copied from
 * the target and are kept on the primary, so promoting an unchanged revision writes nothing.
 */
function primaryMetadata(target: Deployment, context: PrimaryContext, current?: Deployment) {
  const labels = includeByPrefix(target.metadata.labels, context.includeLabelPrefixes);
  const copied = includeByPrefix(target.metadata.annotations, context.includeLabelPrefixes);
  return {
    labels: primaryLabels(labels, context.labelKey, context.labelValue + PRIMARY_SUFFIX),
    annotations: { ...controllerAnnotations(current), ...withoutKeys(copied, isControllerAnnotation) },
  };
}

const isControllerAnnotation = (key: string): boolean => key.startsWith('deployment.kubernetes.io/');

function controllerAnnotations(d: Deployment | undefined): Record<string, string> {
  const all = d?.metadata.annotations ?? {};
  return withoutKeys(all, (k) => !isControllerAnnotation(k));
}

function withoutKeys(m: Record<string, string>, drop: (key: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !drop(k)));
}

function copySpecFields(from: DeploymentSpec, to: DeploymentSpec): void {
  for (const field of COPIED_SPEC_FIELDS) {
    if (from[field] === undefined) delete to[field];
    else (to as Record<string, unknown>)[field] = from[field];
  }
}
