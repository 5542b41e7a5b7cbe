/**
 * The `<target>-primary` workload as Flagger derives it from the target (§4.1, §4.2), whatever its
 * kind: built new at bootstrap, or the existing primary with the target's template copied in at
 * promotion. What differs by kind (spec fields copied, pod-spec rewrites, replicas) comes in as
 * {@link PrimaryRules}. Pure functions; the targets do the reading and writing.
 */
import type { OwnerReference } from '../kube/objects.js';
import { PRIMARY_SUFFIX, withPrimaryConfigRefs } from './config-refs.js';
import type { PodSpec, PodTemplateSpec, Workload, WorkloadSpec } from './kube-types.js';
import { includeByPrefix, primaryLabels, primaryPodAnnotations } from './labels.js';

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

/** How the primary of one workload kind differs from the others'. */
export interface PrimaryRules {
  /** Spec fields copied from the target on bootstrap and on every promotion (absent on the target: removed). */
  readonly copiedSpecFields: readonly string[];
  /** The primary's pod spec from the target's (whose config references already name the `-primary` copies). */
  readonly podSpec: (pod: PodSpec, context: PrimaryContext, targetName: string) => PodSpec;
}

/** A new primary for `target`, owned by `owner`; `extra` are spec fields of the kind's own (replicas). */
export function newPrimary<W extends Workload>(
  target: W,
  context: PrimaryContext,
  owner: OwnerReference,
  rules: PrimaryRules,
  extra: Readonly<Record<string, unknown>> = {},
): W {
  const spec: WorkloadSpec = {
    ...extra,
    selector: { matchLabels: { [context.labelKey]: context.labelValue + PRIMARY_SUFFIX } },
    template: primaryTemplate(target, context, rules),
  };
  copySpecFields(target.spec, spec, rules.copiedSpecFields);
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
  } as W;
}

/**
 * `current` (the primary) with the target's pod template, rollout settings and metadata copied in.
 * The selector is never changed (it is immutable); other spec fields of `current` are kept.
 */
export function promotedPrimary<W extends Workload>(
  current: W,
  target: W,
  context: PrimaryContext,
  rules: PrimaryRules,
): W {
  const spec: WorkloadSpec = { ...current.spec, template: primaryTemplate(target, context, rules) };
  copySpecFields(target.spec, spec, rules.copiedSpecFields);
  return { ...current, metadata: { ...current.metadata, ...primaryMetadata(target, context, current) }, spec };
}

/** The primary's pod template: selector label rewritten, tracked configs pointed at the primary copies, the kind's rewrites. */
function primaryTemplate(target: Workload, context: PrimaryContext, rules: PrimaryRules): PodTemplateSpec {
  const source = target.spec.template;
  const pod = rules.podSpec(
    withPrimaryConfigRefs(source.spec, context.trackedConfigs),
    context,
    target.metadata.name ?? '',
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
 * Labels and annotations of the primary object: only keys with an included prefix, plus the
 * rewritten selector label. (Flagger copies all annotations at bootstrap but only prefixed ones at
 * promotion; Serin uses the prefix rule for both.) The workload controllers' own annotations
 * (`deployment.kubernetes.io/…`, e.g. the revision number; the DaemonSet's template generation)
 * are never copied from the target and are kept on the primary, so promoting an unchanged
 * revision writes nothing.
 */
function primaryMetadata(target: Workload, context: PrimaryContext, current?: Workload) {
  const labels = includeByPrefix(target.metadata.labels, context.includeLabelPrefixes);
  const copied = includeByPrefix(target.metadata.annotations, context.includeLabelPrefixes);
  return {
    labels: primaryLabels(labels, context.labelKey, context.labelValue + PRIMARY_SUFFIX),
    annotations: { ...controllerAnnotations(current), ...withoutKeys(copied, isControllerAnnotation) },
  };
}

const isControllerAnnotation = (key: string): boolean =>
  key.startsWith('deployment.kubernetes.io/') || key === 'deprecated.daemonset.template.generation';

function controllerAnnotations(w: Workload | undefined): Record<string, string> {
  const all = w?.metadata.annotations ?? {};
  return withoutKeys(all, (k) => !isControllerAnnotation(k));
}

function withoutKeys(m: Record<string, string>, drop: (key: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !drop(k)));
}

function copySpecFields(from: WorkloadSpec, to: WorkloadSpec, fields: readonly string[]): void {
  for (const field of fields) {
    if (from[field] === undefined) delete to[field];
    else to[field] = from[field];
  }
}
