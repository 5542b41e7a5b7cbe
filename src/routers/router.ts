/**
 * Ports for traffic: the Kubernetes Services every provider needs, and one `TrafficRouter` per
 * mesh/gateway provider (appmesh now; gatewayapi and kubernetes next), each in its own file.
 */
import type { Canary, CanaryStatus } from '../api/index.js';
import type { Routes } from '../engine/model.js';
import type { Result } from '../lib/result.js';
import type { TargetMetadata } from '../targets/target.js';

/** Status fields a router keeps with the weights it sets (session-affinity cookies), written in the same tick. */
export type RouteStatus = Partial<
  Pick<CanaryStatus, 'sessionAffinityCookie' | 'primarySessionAffinityCookie' | 'previousSessionAffinityCookie'>
>;

export interface TrafficRouter {
  /** Creates or updates the provider's routing objects (owned by the Canary), keeping live weights. */
  reconcile(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<Result<void>>;
  /** Reads the current weights from the cache; an error value when the objects are missing or malformed. */
  routes(canary: Canary): Routes | { readonly error: string };
  /** Sets the weights (primary + canary = 100); returns status fields to record with them, if any. */
  setRoutes(canary: Canary, routes: Routes, signal?: AbortSignal): Promise<RouteStatus | void>;
  /** Undoes what `revertOnDeletion` asks for (a no-op for App Mesh and Gateway API, as in Flagger). */
  finalize(canary: Canary, signal?: AbortSignal): Promise<void>;
}

/** The three ClusterIP Services: `<apex>`, `<apex>-primary`, `<apex>-canary`. */
export interface ServiceRouter {
  /** Creates/updates `<apex>-primary` and `<apex>-canary`. */
  initialize(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<Result<void>>;
  /** Creates/updates the apex `<apex>` selecting primary pods (only once the primary is ready). */
  reconcileApex(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<Result<void>>;
  /** For `revertOnDeletion`: point the apex service back at the target's pods. */
  finalize(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<void>;
}
