/**
 * The App Mesh `TrafficRouter` (`appmesh.k8s.aws/v1beta2`, Flagger §6.1). It serves the providers
 * `appmesh:v1beta2` and plain `appmesh`: Serin does not implement App Mesh's v1beta1 API (Flagger's
 * legacy `appmesh` router), so a Canary naming `appmesh` gets the v1beta2 objects. No Mesh is
 * created (the user owns it) and `finalize` does nothing: the objects carry the Canary as their
 * controller and are garbage-collected with it.
 */
import { MeshProvider, type Canary } from '../api/index.js';
import type { Routes } from '../engine/model.js';
import { isKubeError, KubeErrorReason, type Cluster } from '../kube/cluster.js';
import type { Gvk, KubeObject, ObjectRef } from '../kube/objects.js';
import { InPlace, type FoundInPlace } from './in-place.js';
import type { Result } from '../lib/result.js';
import type { TargetMetadata } from '../targets/target.js';
import { BuiltinSeries, type ProviderPlugin } from './registry.js';
import type { TrafficRouter } from './router.js';
import { desiredVirtualNode, desiredVirtualRouter, desiredVirtualService } from './appmesh-objects.js';
import { readWeights, routesWithWeights, virtualNodeUpdate, virtualRouterUpdate } from './appmesh-rules.js';
import {
  type RouterRoute,
  VIRTUAL_NODE,
  VIRTUAL_ROUTER,
  VIRTUAL_SERVICE,
  type VirtualNode,
  type VirtualRouter,
} from './appmesh-types.js';
import { canaryId, canaryKey, serviceNames } from './canary-names.js';
import { jsonEqual } from '../kube/json-equal.js';
import { deepFreeze } from '../lib/deep-freeze.js';
import { OK, withSignal, writeProblem } from './write-outcome.js';

const NODE_ROLES = Object.freeze(['primary', 'canary'] as const);
/** The in-place check of the apex VirtualRouter (shared with `setRoutes`, which keeps it). */
const APEX_ROUTER = 'router:apex';
const ROUTER_ROLES = Object.freeze(['apex', 'canary'] as const);

/** The kinds `AppMeshRouter` reads, which the Cluster must cache. */
export const APPMESH_KINDS: readonly Gvk[] = [VIRTUAL_NODE, VIRTUAL_ROUTER, VIRTUAL_SERVICE];

/** Whether `provider` is served by {@link AppMeshRouter}: `appmesh`, or anything starting with `appmesh:v1beta2` (as Flagger matches it). */
function isAppMeshProvider(provider: string): boolean {
  return provider === MeshProvider.AppMesh || provider.startsWith(MeshProvider.AppMeshV1beta2);
}

/** App Mesh in the provider registry: weights and header matches (A/B), objects before the primary. */
export const APPMESH_PROVIDER: ProviderPlugin = Object.freeze({
  name: MeshProvider.AppMeshV1beta2,
  matches: isAppMeshProvider,
  capabilities: { weights: true, headerMatch: true, mirroring: false, sessionAffinity: false },
  routesBeforePrimary: true,
  builtinSeries: BuiltinSeries.AppMesh,
  api: 'App Mesh API appmesh.k8s.aws/v1beta2',
  kinds: APPMESH_KINDS,
  createRouter: (deps: AppMeshRouterDeps) => new AppMeshRouter(deps),
});

/** Ports of `AppMeshRouter`. */
export interface AppMeshRouterDeps {
  /** Must cache VirtualNode, VirtualRouter and VirtualService (`appmesh.k8s.aws/v1beta2`). */
  readonly cluster: Cluster;
}

/** Keeps a Canary's App Mesh VirtualNodes, VirtualRouters and VirtualServices as Flagger would. */
export class AppMeshRouter implements TrafficRouter {
  /** Routing objects found in place, so a steady tick builds none. */
  private readonly inPlace = new InPlace();
  /** The apex routes by frozen Canary spec (weights are set every step). */
  private readonly apexRoutes = new WeakMap<object, readonly RouterRoute[]>();

  constructor(private readonly deps: AppMeshRouterDeps) {}

  /**
   * Creates or updates, in Flagger's order, VirtualNodes `<apex>-primary` and `<apex>-canary`,
   * then VirtualRouter + VirtualService `<apex>` and `<apex>-canary`. Runs before the primary
   * workload exists, since the App Mesh injector rejects pods no VirtualNode selects.
   */
  async reconcile(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<Result<void>> {
    if (!canary.spec.service?.port) {
      return {
        ok: false,
        problem: {
          message: `canary ${canaryKey(canary)}: spec.service.port is not set, so no App Mesh listener can be generated`,
          fix: 'set spec.service.port to the port the workload serves on',
        },
      };
    }
    // A step whose objects are in place answers at once, without a promise to wait for.
    const found = this.inPlace.for(canary, target);
    for (const role of NODE_ROLES) {
      const step = this.reconcileNode(canary, target, role, found, signal);
      const result = step instanceof Promise ? await step : step;
      if (!result.ok) return result;
    }
    for (const role of ROUTER_ROLES) {
      const step = this.reconcileRouter(canary, role, found, signal);
      const result = step instanceof Promise ? await step : step;
      if (!result.ok) return result;
    }
    return OK;
  }

  routes(canary: Canary): Routes | { readonly error: string } {
    return readWeights(canary, this.deps.cluster.get<VirtualRouter>(this.apexRouterRef(canary)));
  }

  /**
   * Writes the weights into the first route of VirtualRouter `<apex>`. The routes are rebuilt from
   * the Canary rather than copied from the cache, so a router update made earlier in the same tick
   * (which the cache may not show yet) is not undone; nothing is written when the cache already
   * shows exactly these routes.
   */
  async setRoutes(canary: Canary, routes: Routes, signal?: AbortSignal): Promise<void> {
    const wanted = routesWithWeights(canary, this.desiredApexRoutes(canary), routes);
    const ref = this.apexRouterRef(canary);
    const live = this.deps.cluster.get<VirtualRouter>(ref);
    if (live && jsonEqual(live.spec?.routes, wanted)) return;
    const found = live ? this.inPlace.kept(canary) : undefined;
    const wasInPlace = live !== undefined && found !== undefined && found.holds(APEX_ROUTER, live);
    let updated: VirtualRouter;
    try {
      updated = await this.deps.cluster.patch<VirtualRouter>(ref, { spec: { routes: wanted } }, withSignal(signal));
    } catch (err) {
      const name = serviceNames(canary).apex;
      if (isKubeError(err, KubeErrorReason.NotFound)) {
        throw new Error(`VirtualRouter ${name} get query error: virtualrouters.appmesh.k8s.aws "${name}" not found`, {
          cause: err,
        });
      }
      throw new Error(`VirtualRouter ${name} update error: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    // New weights keep a router in place (its routes are the desired ones, with other weights):
    // when the rest of the written router is the very rest of the one found in place, it is still.
    if (wasInPlace && onlyRoutesChanged(live, updated)) found.remember(APEX_ROUTER, updated);
  }

  /** Nothing to undo: App Mesh objects go with the Canary through their ownerReferences. */
  async finalize(_canary: Canary, _signal?: AbortSignal): Promise<void> {
    return Promise.resolve();
  }

  /** The routes of the desired apex VirtualRouter: a function of the spec, built once per frozen spec. */
  private desiredApexRoutes(canary: Canary): readonly RouterRoute[] {
    const spec = canary.spec;
    if (!Object.isFrozen(spec)) return desiredVirtualRouter(canary, 'apex').spec.routes ?? [];
    let routes = this.apexRoutes.get(spec);
    if (!routes)
      this.apexRoutes.set(spec, (routes = deepFreeze(desiredVirtualRouter(canary, 'apex').spec.routes ?? [])));
    return routes;
  }

  private apexRouterRef(canary: Canary) {
    return { ...VIRTUAL_ROUTER, namespace: canaryId(canary).namespace, name: serviceNames(canary).apex };
  }

  /** Creates or updates one VirtualNode; a cached one found in place for these inputs is not built again. */
  private reconcileNode(
    canary: Canary,
    target: TargetMetadata,
    role: 'primary' | 'canary',
    found: FoundInPlace,
    signal: AbortSignal | undefined,
  ): Result<void> | Promise<Result<void>> {
    const live = this.deps.cluster.get<VirtualNode>(this.ref(VIRTUAL_NODE, canary, role));
    const check = role === 'primary' ? 'node:primary' : 'node:canary';
    if (live && found.holds(check, live)) return OK;
    const desired = desiredVirtualNode(canary, target, role);
    if (!live) return this.create(desired, signal);
    const next = virtualNodeUpdate(live, desired);
    if (next) return this.update(next, signal);
    found.remember(check, live);
    return OK;
  }

  /** Creates or updates one VirtualRouter, then its VirtualService. */
  private reconcileRouter(
    canary: Canary,
    role: 'apex' | 'canary',
    found: FoundInPlace,
    signal: AbortSignal | undefined,
  ): Result<void> | Promise<Result<void>> {
    const live = this.deps.cluster.get<VirtualRouter>(this.ref(VIRTUAL_ROUTER, canary, role));
    const check = role === 'apex' ? APEX_ROUTER : 'router:canary';
    if (live && found.holds(check, live)) return this.ensureService(canary, role, signal);
    return this.fixRouter(canary, role, live, found, signal);
  }

  /** Creates a missing VirtualRouter or updates one not in place, then goes on with its VirtualService. */
  private async fixRouter(
    canary: Canary,
    role: 'apex' | 'canary',
    live: VirtualRouter | undefined,
    found: FoundInPlace,
    signal: AbortSignal | undefined,
  ): Promise<Result<void>> {
    const desired = desiredVirtualRouter(canary, role);
    const next = live ? virtualRouterUpdate(live, desired) : undefined;
    const routerResult = live ? (next ? await this.update(next, signal) : OK) : await this.create(desired, signal);
    if (!routerResult.ok) return routerResult;
    if (live && !next) found.remember(role === 'apex' ? APEX_ROUTER : 'router:canary', live);
    return this.ensureService(canary, role, signal);
  }

  /** The VirtualService is created whenever missing (not only with its router) and never updated. */
  private ensureService(
    canary: Canary,
    role: 'apex' | 'canary',
    signal: AbortSignal | undefined,
  ): Result<void> | Promise<Result<void>> {
    if (this.deps.cluster.get(this.ref(VIRTUAL_SERVICE, canary, role))) return OK;
    return this.create(desiredVirtualService(canary, role), signal);
  }

  /** Where the desired object of `kind` and `role` is (as the builders of appmesh-objects.ts name it). */
  private ref(kind: Gvk, canary: Canary, role: 'apex' | 'primary' | 'canary'): ObjectRef {
    return { ...kind, namespace: canaryId(canary).namespace, name: serviceNames(canary)[role] };
  }

  private async create(obj: KubeObject, signal: AbortSignal | undefined): Promise<Result<void>> {
    try {
      await this.deps.cluster.create(obj, withSignal(signal));
      return OK;
    } catch (err) {
      // The cache lags our own writes: the object exists, and the next tick compares it.
      if (isKubeError(err, KubeErrorReason.AlreadyExists)) return OK;
      return writeProblem(err, `${obj.kind} ${describe(obj)} create error`, fixFor(obj));
    }
  }

  private async update(obj: KubeObject, signal: AbortSignal | undefined): Promise<Result<void>> {
    try {
      await this.deps.cluster.update(obj, withSignal(signal));
      return OK;
    } catch (err) {
      return writeProblem(err, `${obj.kind} ${describe(obj)} update error`, fixFor(obj));
    }
  }
}

/**
 * Whether `updated` is `live` with other routes and nothing else changed in its spec: every other
 * spec field the very same (frozen) value. A router read back as a fresh copy never is.
 */
function onlyRoutesChanged(live: VirtualRouter, updated: VirtualRouter): boolean {
  const before = live.spec as Record<string, unknown> | undefined;
  const after = updated.spec as Record<string, unknown> | undefined;
  if (!before || !after || after === before || !Object.isFrozen(updated)) return false;
  let count = 0;
  for (const key in after) {
    if (!Object.hasOwn(after, key) || key === 'routes') continue;
    count++;
    if (!Object.hasOwn(before, key) || after[key] !== before[key]) return false;
  }
  for (const key in before) if (Object.hasOwn(before, key) && key !== 'routes') count--;
  return count === 0;
}

function describe(obj: KubeObject): string {
  return `${obj.metadata.name}.${obj.metadata.namespace}`;
}

function fixFor(obj: KubeObject): string {
  return obj.kind === 'VirtualNode'
    ? 'check spec.service (port, portName, targetPort, timeout, backends) and that exactly one App Mesh Mesh selects the namespace'
    : 'check spec.service (port, timeout, retries, match) and analysis.match, and that exactly one App Mesh Mesh selects the namespace';
}
