/**
 * The primary's autoscaler, by `spec.autoscalerRef.kind`: a HorizontalPodAutoscaler (Flagger §4.5,
 * here) or a KEDA ScaledObject (§4.6, keda.ts). `<hpa>-primary` is a copy of the target's HPA that
 * scales `<target>-primary`. Serin reads and writes `autoscaling/v2` only — the version every
 * supported cluster serves — whatever `autoscalerRef.apiVersion` says (the seed says
 * `autoscaling/v2beta2`, which Kubernetes stopped serving in 1.26).
 */
import type { Canary } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import { PRIMARY_SUFFIX } from './config-refs.js';
import { PrimaryScaledObject } from './keda.js';
import { HPA, SCALED_OBJECT, type HorizontalPodAutoscaler } from './kube-types.js';
import { withoutToolkit } from './labels.js';
import { canonicalJson } from './revision.js';
import type { Problem, Result } from './target.js';
import { canaryKey, canaryOwnerRef, upsert } from './writes.js';

type HpaSpec = HorizontalPodAutoscaler['spec'];

/** The primary's autoscaler of whichever kind `spec.autoscalerRef` names; every call is a no-op without one. */
export class PrimaryAutoscaler {
  private readonly hpa: PrimaryHpa;
  private readonly keda: PrimaryScaledObject;

  constructor(cluster: Cluster, served: (gvk: typeof SCALED_OBJECT) => boolean = () => true) {
    this.hpa = new PrimaryHpa(cluster);
    this.keda = new PrimaryScaledObject(cluster, () => served(SCALED_OBJECT));
  }

  /** Creates or updates the primary's autoscaler; ok without an `autoscalerRef`. */
  ensure(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    if (isScaledObject(canary)) return this.keda.ensure(canary, signal);
    return this.hpa.ensure(canary, signal);
  }

  /** The target autoscaler's minimum replicas, or undefined without one. */
  minReplicas(canary: Canary): number | undefined {
    return isScaledObject(canary) ? this.keda.minReplicas(canary) : this.hpa.minReplicas(canary);
  }

  /** Stops the target's autoscaler from scaling it while it runs no canary (KEDA; HPAs need nothing). */
  async pauseTarget(canary: Canary, signal?: AbortSignal): Promise<void> {
    if (isScaledObject(canary)) await this.keda.pauseTarget(canary, signal);
  }

  /** Lets the target's autoscaler scale it again for a canary run. */
  async resumeTarget(canary: Canary, signal?: AbortSignal): Promise<void> {
    if (isScaledObject(canary)) await this.keda.resumeTarget(canary, signal);
  }
}

function isScaledObject(canary: Canary): boolean {
  return canary.spec.autoscalerRef?.kind === SCALED_OBJECT.kind;
}

/** Keeps `<hpa>-primary` in step with the target's HPA named by `spec.autoscalerRef`. */
class PrimaryHpa {
  constructor(private readonly cluster: Cluster) {}

  /**
   * Creates `<hpa>-primary` if missing, and updates its replicas bounds, metrics and behavior when
   * they differ from the target HPA's (with `primaryScalerReplicas` applied). No write when in step;
   * ok without an `autoscalerRef`.
   */
  async ensure(canary: Canary, signal?: AbortSignal): Promise<Result<void>> {
    const found = this.targetHpa(canary);
    if (!found.ok) return found;
    const source = found.value;
    if (!source) return { ok: true, value: undefined };
    const owner = canaryOwnerRef(canary);
    const { namespace } = canaryKey(canary);
    const name = (source.metadata.name ?? '') + PRIMARY_SUFFIX;
    const spec = primarySpec(canary, source);
    await upsert<HorizontalPodAutoscaler>(
      this.cluster,
      { ...HPA, namespace, name },
      (current) => {
        if (!current) {
          return {
            ...HPA,
            metadata: { name, namespace, labels: withoutToolkit(source.metadata.labels), ownerReferences: [owner] },
            spec,
          };
        }
        if (sameScaling(current.spec, spec)) return undefined;
        // Fields the target HPA no longer sets are removed from the primary's too.
        const kept = Object.entries(current.spec).filter(([k]) => !['minReplicas', 'metrics', 'behavior'].includes(k));
        return { ...current, spec: { ...Object.fromEntries(kept), ...spec } };
      },
      signal,
    );
    return { ok: true, value: undefined };
  }

  /** The target HPA's `minReplicas` (default 1), or undefined without an HPA in the cache. */
  minReplicas(canary: Canary): number | undefined {
    const found = this.targetHpa(canary);
    return found.ok && found.value ? (found.value.spec.minReplicas ?? 1) : undefined;
  }

  /** The target's HPA; undefined value when the Canary names no autoscaler. */
  private targetHpa(canary: Canary): Result<HorizontalPodAutoscaler | undefined> {
    const ref = canary.spec.autoscalerRef;
    if (!ref) return { ok: true, value: undefined };
    const { namespace, name } = canaryKey(canary);
    if (ref.kind !== HPA.kind) return { ok: false, problem: unsupportedAutoscaler(namespace, name, ref.kind) };
    const hpa = this.cluster.get<HorizontalPodAutoscaler>({ ...HPA, namespace, name: ref.name });
    if (!hpa) return { ok: false, problem: missingHpa(namespace, ref.name) };
    return { ok: true, value: hpa };
  }
}

/** The spec `<hpa>-primary` should have: the target HPA's, aimed at the primary, with the Canary's overrides. */
function primarySpec(canary: Canary, source: HorizontalPodAutoscaler): HpaSpec {
  const overrides = canary.spec.autoscalerRef?.primaryScalerReplicas;
  const target = canary.spec.targetRef;
  const min = overrides?.minReplicas ?? source.spec.minReplicas;
  const { scaleTargetRef, metrics, behavior } = source.spec;
  return {
    scaleTargetRef: {
      ...(scaleTargetRef.apiVersion ? { apiVersion: scaleTargetRef.apiVersion } : {}),
      kind: scaleTargetRef.kind,
      name: target.name + PRIMARY_SUFFIX,
    },
    maxReplicas: overrides?.maxReplicas ?? source.spec.maxReplicas,
    ...(min !== undefined ? { minReplicas: min } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
    ...(behavior !== undefined ? { behavior } : {}),
  };
}

/** Flagger's comparison: metrics, behavior, min (unset = 1), max; Serin also compares the scale target. */
function sameScaling(current: HpaSpec, desired: HpaSpec): boolean {
  const view = (s: HpaSpec) =>
    canonicalJson({
      scaleTargetRef: s.scaleTargetRef,
      minReplicas: s.minReplicas ?? 1,
      maxReplicas: s.maxReplicas,
      metrics: s.metrics,
      behavior: s.behavior,
    });
  return view(current) === view(desired);
}

export function missingHpa(namespace: string, name: string): Problem {
  return {
    message: `horizontalpodautoscaler ${namespace}/${name} not found`,
    fix: 'create the HorizontalPodAutoscaler (autoscaling/v2), or correct or remove spec.autoscalerRef',
  };
}

export function unsupportedAutoscaler(namespace: string, canary: string, kind: string): Problem {
  return {
    message: `canary ${namespace}/${canary}: autoscalerRef kind ${kind} is not supported by this Serin`,
    fix: 'use a HorizontalPodAutoscaler or a KEDA ScaledObject, or remove spec.autoscalerRef',
  };
}
