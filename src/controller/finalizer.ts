import { CANARY_KIND, FLAGGER_API_VERSION, type Canary } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';

/** Flagger's finalizer name, kept so canaries move between Flagger and Serin unchanged. */
export const FINALIZER = 'finalizer.flagger.app';

export function hasFinalizer(canary: Canary): boolean {
  return (canary.metadata?.finalizers ?? []).includes(FINALIZER);
}

/**
 * Adds or removes Serin's finalizer. The merge patch carries the resourceVersion, so it fails with
 * a Conflict instead of dropping someone else's finalizer written meanwhile.
 */
export async function setFinalizer(
  cluster: Cluster,
  canary: Canary,
  present: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const others = (canary.metadata?.finalizers ?? []).filter((f) => f !== FINALIZER);
  await cluster.patch(
    {
      apiVersion: FLAGGER_API_VERSION,
      kind: CANARY_KIND,
      namespace: canary.metadata?.namespace,
      name: canary.metadata?.name ?? '',
    },
    {
      metadata: {
        resourceVersion: canary.metadata?.resourceVersion,
        finalizers: present ? [...others, FINALIZER] : others,
      },
    },
    signal ? { signal } : {},
  );
}
