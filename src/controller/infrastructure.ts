/**
 * The routing infrastructure of a canary, made sure of on every reconcile (idempotent: nothing is
 * written when it already matches): the `-primary`/`-canary` Services, the provider's routing
 * objects (before the primary when the provider says so), the primary workload with its config
 * copies and autoscaler, and the apex Service once the primary is ready.
 */
import type { Canary } from '../api/index.js';
import type { Readiness } from '../engine/model.js';
import type { Result } from '../lib/result.js';
import type { ServiceRouter, TrafficRouter } from '../routers/router.js';
import type { TargetMetadata, WorkloadTarget } from '../targets/target.js';

/** What the infrastructure step works with for one canary. */
export interface InfrastructureParts {
  readonly services: ServiceRouter;
  readonly router: TrafficRouter;
  readonly target: WorkloadTarget;
  /** The provider's routing objects must exist before the primary's pods start. */
  readonly routesBeforePrimary: boolean;
}

/** Makes sure everything exists, in order; stops at the first problem. Returns the primary's readiness. */
export async function ensureInfrastructure(
  canary: Canary,
  meta: TargetMetadata,
  parts: InfrastructureParts,
  now: number,
  signal?: AbortSignal,
): Promise<Result<Readiness>> {
  const { services, router, target, routesBeforePrimary } = parts;
  // In order, stopping at the first problem (written out: a list of steps was rebuilt on every reconcile).
  let r = await services.initialize(canary, meta, signal);
  if (!r.ok) return r;
  if (routesBeforePrimary) {
    r = await router.reconcile(canary, meta, signal);
    if (!r.ok) return r;
  }
  r = await target.ensurePrimary(canary, signal);
  if (!r.ok) return r;
  if (canary.spec.autoscalerRef) {
    r = await target.ensurePrimaryScaler(canary, signal);
    if (!r.ok) return r;
  }
  const primary = target.primaryReadiness(canary, now);
  // Primary never loses its traffic to pods that are not ready: the apex follows the primary's readiness.
  if (primary.ready) {
    const apex = await services.reconcileApex(canary, meta, signal);
    if (!apex.ok) return apex;
  }
  if (!routesBeforePrimary) {
    r = await router.reconcile(canary, meta, signal);
    if (!r.ok) return r;
  }
  return { ok: true, value: primary };
}
