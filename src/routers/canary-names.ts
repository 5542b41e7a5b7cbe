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

/** The service (and routing object) names of a Canary. */
export function serviceNames(canary: Canary): ServiceNames {
  const apex = canary.spec.service?.name || canary.spec.targetRef.name;
  return { apex, primary: `${apex}-primary`, canary: `${apex}-canary` };
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
