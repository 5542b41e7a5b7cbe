/**
 * Names and metadata every router derives from a Canary the same way: the apex/primary/canary
 * service names, the controller ownerReference and the annotations that keep GitOps tools away.
 */
import { CANARY_KIND, FLAGGER_API_VERSION, type Canary } from '../api/index.js';
import type { KubeObject, OwnerReference } from '../kube/objects.js';

/** `<apex>`, `<apex>-primary`, `<apex>-canary`, where `<apex>` is `service.name` or the target name. */
export interface ServiceNames {
  readonly apex: string;
  readonly primary: string;
  readonly canary: string;
}

/**
 * The names of each frozen spec. A cache of a pure function of objects that cannot change, so
 * nothing observable is kept; it is module-wide so that every router, and the objects they create,
 * share the very same name strings: the cache lookups of a steady tick then compare names by
 * identity (a tenth of a 1,000-canary simulation was spent in those lookups).
 */
const namesOf = new WeakMap<object, ServiceNames>();

/** The service (and routing object) names of a Canary. */
export function serviceNames(canary: Canary): ServiceNames {
  const spec = canary.spec;
  // A frozen spec is frozen all the way down, as everything a cache hands out.
  const frozen = Object.isFrozen(spec);
  let names = frozen ? namesOf.get(spec) : undefined;
  if (!names) {
    const apex = spec.service?.name || spec.targetRef.name;
    names = Object.freeze({ apex, primary: `${apex}-primary`, canary: `${apex}-canary` });
    if (frozen) namesOf.set(spec, names);
  }
  return names;
}

/** Name and namespace of the Canary ('' when absent, as in objects not read from a cluster). */
export function canaryId(canary: Canary): { readonly name: string; readonly namespace: string } {
  return { name: canary.metadata?.name ?? '', namespace: canary.metadata?.namespace ?? '' };
}

/** `name.namespace`, the way Flagger names a canary in messages. */
export function canaryKey(canary: Canary): string {
  const { name, namespace } = canaryId(canary);
  return `${name}.${namespace}`;
}

/** The controller reference to the Canary that makes the garbage collector delete what Serin made. */
export function canaryOwnerReference(canary: Canary): OwnerReference {
  return {
    apiVersion: canary.apiVersion ?? FLAGGER_API_VERSION,
    kind: canary.kind ?? CANARY_KIND,
    name: canary.metadata?.name ?? '',
    uid: canary.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller reference of an object when it is a Canary, else undefined. */
export function canaryController(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true && ref.kind === CANARY_KIND);
}

/**
 * Written on every object Serin generates, so Flux's kustomize-controller and helm-controller do not
 * revert Serin's changes (a selector switched to the primary, for instance).
 */
export const TOOLKIT_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};
