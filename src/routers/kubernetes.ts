/**
 * Flagger's `kubernetes` provider (§6.6): blue/green without a mesh or gateway. There is no routing
 * object: the apex Service keeps selecting the primary's pods, the canary is reached through
 * `<apex>-canary` (load tests, webhooks) for the analysis iterations, and promotion switches the
 * release by copying the canary's template to the primary. The engine knows from the capabilities
 * (no weights, no matches) that it must run blue/green; it says so in a Warning each tick when the
 * spec asks for steps or A/B, as Flagger does.
 */
import { MeshProvider, type Canary } from '../api/index.js';
import type { Routes } from '../engine/model.js';
import type { Result } from '../lib/result.js';
import { BuiltinSeries, type ProviderPlugin } from './registry.js';
import type { TrafficRouter } from './router.js';
import { OK } from './write-outcome.js';

/** The router of the `kubernetes` provider: nothing to write; routes read from the canary's iterations. */
export class KubernetesRouter implements TrafficRouter {
  reconcile(): Promise<Result<void>> {
    return Promise.resolve(OK);
  }

  /** All traffic on the canary once an iteration ran (as Flagger reports it), else on the primary. */
  routes(canary: Canary): Routes {
    return (canary.status?.iterations ?? 0) > 0
      ? { primary: 0, canary: 100, mirrored: false }
      : { primary: 100, canary: 0, mirrored: false };
  }

  setRoutes(): Promise<void> {
    return Promise.resolve();
  }

  finalize(): Promise<void> {
    return Promise.resolve();
  }
}

/** The `kubernetes` provider in the registry: no weights, no matches, no objects of its own. */
export const KUBERNETES_PROVIDER: ProviderPlugin = Object.freeze({
  name: MeshProvider.Kubernetes,
  matches: (p: string) => p === MeshProvider.Kubernetes || p.startsWith(`${MeshProvider.Kubernetes}:`),
  capabilities: { weights: false, headerMatch: false, mirroring: false, sessionAffinity: false },
  routesBeforePrimary: false,
  builtinSeries: BuiltinSeries.Http,
  kinds: [],
  createRouter: () => new KubernetesRouter(),
});
