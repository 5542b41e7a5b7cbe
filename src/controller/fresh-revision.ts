/**
 * A verdict is never reached from a stale cache. The engine decides from the watch caches, which
 * lag the API server by a watch event — and by far more after an API server restart, while the
 * watches list again. Promoting copies the target's template to the primary, so a promotion decided
 * on a cache that still shows a replaced revision would release the wrong image. Before a decision
 * that promotes or rolls back is carried out, the target and the configs it uses are read from the
 * API server itself (as Flagger reads them, from no cache at all); the reads refresh the caches.
 */
import type { Logger } from 'pino';
import type { Canary, CanaryStatus } from '../api/index.js';
import type { Action } from '../engine/model.js';
import type { Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../kube/objects.js';
import { jsonEqual } from '../lib/json-equal.js';
import type { Revision, WorkloadTarget } from '../targets/target.js';
import type { ReconcileOutcome } from './reconciler.js';

const CONFIG_KINDS = { configmap: 'ConfigMap', secret: 'Secret' } as const;

/** Does this decision settle the run: promote the target's template, or roll the run back? */
export function settlesRun(
  decision: { readonly actions: readonly Action[]; readonly status?: CanaryStatus | undefined },
  current: CanaryStatus | undefined,
): boolean {
  if (decision.actions.some((a) => a.kind === 'promote')) return true;
  return decision.status?.phase === 'Failed' && current?.phase !== 'Failed';
}

/**
 * Reads the target and its configs from the API server (refreshing the caches) and tells whether the
 * revision is still the one the decision was made on. A target that cannot be read counts as moved:
 * nothing is settled on what the cache alone said.
 */
export async function revisionMoved(
  cluster: Cluster,
  target: WorkloadTarget,
  canary: Canary,
  observed: Revision,
  signal?: AbortSignal,
): Promise<boolean> {
  const namespace = canary.metadata?.namespace;
  const options = signal ? { signal } : {};
  const workload = await cluster.read<KubeObject>(
    { ...target.gvk, namespace, name: canary.spec.targetRef.name },
    options,
  );
  if (!workload) return true;
  for (const ref of target.configRefs(workload)) {
    await cluster.read({ apiVersion: 'v1', kind: CONFIG_KINDS[ref.kind], namespace, name: ref.name }, options);
  }
  const now = target.revision(canary);
  if (!now.ok) return true;
  return now.value.spec !== observed.spec || !jsonEqual(now.value.trackedConfigs, observed.trackedConfigs);
}

/** A decision, as far as this check needs it. */
interface Decision {
  readonly actions: readonly Action[];
  readonly status?: CanaryStatus | undefined;
}

/**
 * Checks settling decisions against the API server before they are carried out. When the target
 * moved, the reconcile is run once more on the refreshed caches (the engine then sees the new
 * revision and restarts the analysis); moved again meanwhile, nothing is done until the next tick.
 */
export class VerdictGuard {
  private readonly rereading = new Set<string>();

  /** Undefined: carry the decision out. Else the outcome that replaces it. */
  async recheck(
    deps: { readonly cluster: Cluster; readonly log: Logger },
    canary: Canary,
    decision: Decision,
    parts: { readonly target: WorkloadTarget; readonly observed: Revision },
    again: () => Promise<ReconcileOutcome>,
    signal?: AbortSignal,
  ): Promise<ReconcileOutcome | undefined> {
    if (!settlesRun(decision, canary.status)) return undefined;
    if (!(await revisionMoved(deps.cluster, parts.target, canary, parts.observed, signal))) return undefined;
    const key = `${canary.metadata?.namespace ?? ''}/${canary.metadata?.name ?? ''}`;
    const waiting = this.rereading.has(key);
    deps.log.info({ canary: key, waiting }, 'target changed since the caches were read; deciding again');
    if (waiting) return { stepped: false, phase: canary.status?.phase };
    this.rereading.add(key);
    try {
      return await again();
    } finally {
      this.rereading.delete(key);
    }
  }
}
