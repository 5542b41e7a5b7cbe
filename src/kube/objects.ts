/** Plain Kubernetes objects as the API server sends them (JSON), with just the fields Serin relies on. */

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** Any Kubernetes object. Kind-specific fields are reached through narrower types where used. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Names one object: its type (apiVersion + kind) and where it is. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** A type of object (apiVersion + kind), e.g. `{ apiVersion: 'apps/v1', kind: 'Deployment' }`. */
export interface Gvk {
  readonly apiVersion: string;
  readonly kind: string;
}

/** `namespace/name` (or `name` for cluster-scoped objects): the key of caches and work queues. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function gvkKey(gvk: Gvk): string {
  return `${gvk.apiVersion}/${gvk.kind}`;
}

/** A human-readable name for messages: `Deployment shop/account`. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${objectKey(ref.namespace, ref.name)}`;
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name ?? '',
  };
}
