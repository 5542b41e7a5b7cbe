/**
 * Writing the objects Serin owns through the Cluster port, given that its reads come from caches
 * that lag writes by a watch event: a create that finds the object already there, or an update
 * that finds a newer resourceVersion, waits briefly and decides again from the cache.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CANARY_KIND, FLAGGER_API_VERSION, type Canary } from '../api/index.js';
import { isKubeError, KubeErrorReason, type Cluster } from '../kube/cluster.js';
import type { KubeObject, ObjectRef, OwnerReference } from '../kube/objects.js';

/** The Canary's name and namespace (the namespace of everything a target adapter touches). */
export function canaryKey(canary: Canary): { readonly name: string; readonly namespace: string } {
  return { name: canary.metadata?.name ?? '', namespace: canary.metadata?.namespace ?? 'default' };
}

/**
 * The controller reference to the Canary that Serin puts on every object it creates, so deleting
 * the Canary garbage-collects them. Throws if the Canary has no uid (it did not come from the API).
 */
export function canaryOwnerRef(canary: Canary): OwnerReference {
  const { name, namespace } = canaryKey(canary);
  const uid = canary.metadata?.uid;
  if (!uid) throw new Error(`canary ${namespace}/${name} has no metadata.uid; read it from the API server`);
  return {
    apiVersion: canary.apiVersion ?? FLAGGER_API_VERSION,
    kind: canary.kind ?? CANARY_KIND,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Waits between attempts: the cache usually catches up within one watch event (milliseconds). */
const RETRY_DELAYS_MS = [25, 50, 100, 200, 400, 800] as const;

/**
 * Makes the object at `ref` what `desired(current)` says, where `current` is the cached object
 * (undefined when the cache has none). `desired` returns undefined when nothing needs writing.
 * A missing object is created, an existing one replaced (PUT with the cached resourceVersion).
 * AlreadyExists, Conflict and NotFound mean the cache is behind: wait, re-read, decide again.
 */
export async function upsert<T extends KubeObject>(
  cluster: Cluster,
  ref: ObjectRef,
  desired: (current: T | undefined) => T | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const options = signal ? { signal } : {};
  for (let attempt = 0; ; attempt++) {
    const current = cluster.get<T>(ref);
    const next = desired(current);
    if (next === undefined) return;
    try {
      if (current) await cluster.update(next, options);
      else await cluster.create(next, options);
      return;
    } catch (err) {
      const stale =
        isKubeError(err, KubeErrorReason.AlreadyExists) ||
        isKubeError(err, KubeErrorReason.Conflict) ||
        isKubeError(err, KubeErrorReason.NotFound);
      const delay = RETRY_DELAYS_MS[attempt];
      if (!stale || delay === undefined) throw err;
      await sleep(delay, undefined, signal ? { signal } : {});
    }
  }
}

/** Creates `obj`; an object of that name already there counts as created (the cache had not seen it yet). */
export async function createIfMissing(cluster: Cluster, obj: KubeObject, signal?: AbortSignal): Promise<void> {
  try {
    await cluster.create(obj, signal ? { signal } : {});
  } catch (err) {
    if (!isKubeError(err, KubeErrorReason.AlreadyExists)) throw err;
  }
}
