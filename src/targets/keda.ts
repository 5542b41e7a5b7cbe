/**
 * The primary's KEDA ScaledObject (Flagger §4.6): `<so>-primary`, a copy of the target's
 * ScaledObject that scales `<target>-primary`, with its trigger queries pointed at the primary.
 * While the target runs no canary, its own ScaledObject is paused at zero replicas
 * (`autoscaling.keda.sh/paused-replicas: "0"`) so KEDA does not scale it back up.
 *
 * Where Serin differs from Flagger, on purpose (its stream of KEDA issues: #1526, #1798, #1869, #1934):
 * - the whole spec is copied (fields Flagger's copy drops, like `initialCooldownPeriod`, are kept);
 * - KEDA's pause annotations are never copied to the primary, so a primary created while the
 *   target was paused still scales;
 * - the primary is kept in step with the target's ScaledObject on every tick, as `<hpa>-primary` is;
 * - a trigger query has the target's name replaced only where it stands as a whole name (`app`,
 *   `app-canary`, `app-<pod hash>`), never inside another name and never twice (`app-primary` stays).
 */
import type { Canary } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import { PRIMARY_SUFFIX } from './config-refs.js';
import { SCALED_OBJECT, type ScaledObject, type ScaleTrigger } from './kube-types.js';
import { withoutToolkit } from './labels.js';
import { canonicalEqual } from './revision.js';
import type { Problem, Result } from './target.js';
import { canaryKey, canaryOwnerRef, upsert } from './writes.js';

/** KEDA holds a ScaledObject's target at this many replicas while the annotation is set. */
export const PAUSED_REPLICAS_ANNOTATION = 'autoscaling.keda.sh/paused-replicas';
/** KEDA's other pause switch (pauses at the current count). Never copied to the primary either. */
const PAUSED_ANNOTATION = 'autoscaling.keda.sh/paused';

type Spec = ScaledObject['spec'];

/** Keeps `<so>-primary` in step with the target's ScaledObject, and pauses/resumes the target's. */
export class PrimaryScaledObject {
  constructor(
    private readonly cluster: Cluster,
    /** Whether the cluster serves ScaledObjects (KEDA installed). */
    private readonly served: () => boolean,
  ) {}

  /** Creates `<so>-primary` if missing and updates its spec when it differs from the target's copy. */
  async ensure(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    const found = this.targetObject(canary);
    if (!found.ok) return found;
    const source = found.value;
    const { namespace } = canaryKey(canary);
    const name = (source.metadata.name ?? '') + PRIMARY_SUFFIX;
    const spec = primarySpec(canary, source.spec);
    await upsert<ScaledObject>(
      this.cluster,
      { ...SCALED_OBJECT, namespace, name },
      (current) => {
        if (!current) {
          return {
            ...SCALED_OBJECT,
            metadata: {
              name,
              namespace,
              labels: withoutToolkit(source.metadata.labels),
              annotations: withoutPause(withoutToolkit(source.metadata.annotations)),
              ownerReferences: [canaryOwnerRef(canary)],
            },
            spec,
          };
        }
        return canonicalEqual(current.spec, spec) ? undefined : { ...current, spec };
      },
      signal,
    );
    return { ok: true, value: undefined };
  }

  /** The target ScaledObject's `minReplicaCount`, or undefined without one in the cache. */
  minReplicas(canary: Canary): number | undefined {
    const found = this.targetObject(canary);
    return found.ok ? found.value.spec.minReplicaCount : undefined;
  }

  /** Holds the target at zero replicas (no write when already paused so). */
  async pauseTarget(canary: Canary, signal?: AbortSignal): Promise<void> {
    const found = this.targetObject(canary);
    if (!found.ok || found.value.metadata.annotations?.[PAUSED_REPLICAS_ANNOTATION] === '0') return;
    await this.annotate(canary, '0', signal);
  }

  /** Lets KEDA scale the target again (no write when it is not paused). */
  async resumeTarget(canary: Canary, signal?: AbortSignal): Promise<void> {
    const found = this.targetObject(canary);
    if (!found.ok || found.value.metadata.annotations?.[PAUSED_REPLICAS_ANNOTATION] === undefined) return;
    await this.annotate(canary, null, signal);
  }

  private async annotate(canary: Canary, value: string | null, signal?: AbortSignal): Promise<void> {
    const { namespace } = canaryKey(canary);
    const ref = { ...SCALED_OBJECT, namespace, name: canary.spec.autoscalerRef?.name ?? '' };
    const patch = { metadata: { annotations: { [PAUSED_REPLICAS_ANNOTATION]: value } } };
    await this.cluster.patch(ref, patch, signal ? { signal } : {});
  }

  private targetObject(canary: Canary): Result<ScaledObject> {
    const { namespace } = canaryKey(canary);
    const name = canary.spec.autoscalerRef?.name ?? '';
    if (!this.served()) return { ok: false, problem: scaledObjectsNotServed(namespace, name) };
    const so = this.cluster.get<ScaledObject>({ ...SCALED_OBJECT, namespace, name });
    return so ? { ok: true, value: so } : { ok: false, problem: missingScaledObject(namespace, name) };
  }
}

/** The spec `<so>-primary` should have: the target's, aimed at the primary, with the Canary's overrides. */
export function primarySpec(canary: Canary, source: Spec): Spec {
  const ref = canary.spec.autoscalerRef;
  const target = canary.spec.targetRef.name;
  const spec: Spec = structuredClone(source);
  spec.scaleTargetRef = { ...spec.scaleTargetRef, name: target + PRIMARY_SUFFIX };
  const hpaName = spec.advanced?.horizontalPodAutoscalerConfig?.name;
  if (spec.advanced?.horizontalPodAutoscalerConfig && hpaName) {
    spec.advanced.horizontalPodAutoscalerConfig.name = hpaName + PRIMARY_SUFFIX;
  }
  const replicas = ref?.primaryScalerReplicas;
  if (replicas?.minReplicas !== undefined) spec.minReplicaCount = replicas.minReplicas;
  if (replicas?.maxReplicas !== undefined) spec.maxReplicaCount = replicas.maxReplicas;
  spec.triggers = spec.triggers.map((t) => primaryTrigger(t, target, ref?.primaryScalerQueries));
  return spec;
}

/**
 * A trigger of the primary: with `primaryScalerQueries`, the query given for its name (others
 * untouched); without, its `metadata.query` with the target's name pointed at the primary.
 */
function primaryTrigger(
  trigger: ScaleTrigger,
  target: string,
  queries: Readonly<Record<string, string>> | undefined,
): ScaleTrigger {
  const query = trigger.metadata?.query;
  if (queries) {
    const given = trigger.name !== undefined ? queries[trigger.name] : undefined;
    return given === undefined ? trigger : { ...trigger, metadata: { ...trigger.metadata, query: given } };
  }
  if (query === undefined) return trigger;
  return { ...trigger, metadata: { ...trigger.metadata, query: primaryQuery(query, target) } };
}

/**
 * `query` with the target's name replaced by the primary's wherever it stands as a name of its
 * own: not inside a longer name (`myapp`, `app2`), and `<target>-canary` becomes the primary too;
 * `<target>-primary` is left as it is.
 */
export function primaryQuery(query: string, target: string): string {
  const name = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![a-z0-9.-])${name}(-canary)?(?![a-z0-9.]|-primary)`, 'g');
  return query.replace(pattern, target + PRIMARY_SUFFIX);
}

function withoutPause(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(m).filter(([k]) => k !== PAUSED_REPLICAS_ANNOTATION && k !== PAUSED_ANNOTATION),
  );
}

export function missingScaledObject(namespace: string, name: string): Problem {
  return {
    message: `scaledobject ${namespace}/${name} not found`,
    fix: 'create the KEDA ScaledObject (keda.sh/v1alpha1), or correct or remove spec.autoscalerRef',
  };
}

export function scaledObjectsNotServed(namespace: string, name: string): Problem {
  return {
    message: `spec.autoscalerRef names ScaledObject ${namespace}/${name}, but this cluster does not serve keda.sh/v1alpha1 ScaledObjects`,
    fix: 'install KEDA (its CRDs), then restart the operator; or use a HorizontalPodAutoscaler, or remove spec.autoscalerRef',
  };
}
