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
import { refOf, type Gvk, type KubeObject } from '../kube/objects.js';
import type { Result } from '../lib/result.js';
import type { TargetMetadata } from '../targets/target.js';
import { BuiltinSeries, type ProviderPlugin } from './registry.js';
import type { TrafficRouter } from './router.js';
import { desiredVirtualNode, desiredVirtualRouter, desiredVirtualService } from './appmesh-objects.js';
import { readWeights, routesWithWeights, virtualNodeUpdate, virtualRouterUpdate } from './appmesh-rules.js';
import {
  VIRTUAL_NODE,
  VIRTUAL_ROUTER,
  VIRTUAL_SERVICE,
  type VirtualNode,
  type VirtualRouter,
} from './appmesh-types.js';
import { canaryId, canaryKey, serviceNames } from './canary-names.js';
import { jsonEqual } from '../kube/json-equal.js';
import { OK, withSignal, writeProblem } from './write-outcome.js';

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
    for (const role of ['primary', 'canary'] as const) {
      const result = await this.reconcileNode(desiredVirtualNode(canary, target, role), signal);
      if (!result.ok) return result;
    }
    for (const role of ['apex', 'canary'] as const) {
      const result = await this.reconcileRouter(canary, role, signal);
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
    const desired = desiredVirtualRouter(canary, 'apex');
    const wanted = routesWithWeights(canary, desired, routes);
    const live = this.deps.cluster.get<VirtualRouter>(this.apexRouterRef(canary));
    if (live && jsonEqual(live.spec?.routes, wanted)) return;
    try {
      await this.deps.cluster.patch(refOf(desired), { spec: { routes: wanted } }, withSignal(signal));
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
  }

  /** Nothing to undo: App Mesh objects go with the Canary through their ownerReferences. */
  async finalize(_canary: Canary, _signal?: AbortSignal): Promise<void> {
    return Promise.resolve();
  }

  private apexRouterRef(canary: Canary) {
    return { ...VIRTUAL_ROUTER, namespace: canaryId(canary).namespace, name: serviceNames(canary).apex };
  }

  private async reconcileNode(desired: VirtualNode, signal: AbortSignal | undefined): Promise<Result<void>> {
    const live = this.deps.cluster.get<VirtualNode>(refOf(desired));
    if (!live) return this.create(desired, signal);
    const next = virtualNodeUpdate(live, desired);
    return next ? this.update(next, signal) : OK;
  }

  /** The VirtualService is created whenever missing (not only with its router) and never updated. */
  private async reconcileRouter(
    canary: Canary,
    role: 'apex' | 'canary',
    signal: AbortSignal | undefined,
  ): Promise<Result<void>> {
    const desired = desiredVirtualRouter(canary, role);
    const live = this.deps.cluster.get<VirtualRouter>(refOf(desired));
    const next = live ? virtualRouterUpdate(live, desired) : undefined;
    const routerResult = live ? (next ? await this.update(next, signal) : OK) : await this.create(desired, signal);
    if (!routerResult.ok) return routerResult;
    const service = desiredVirtualService(canary, role);
    return this.deps.cluster.get(refOf(service)) ? OK : this.create(service, signal);
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

function describe(obj: KubeObject): string {
  return `${obj.metadata.name}.${obj.metadata.namespace}`;
}

function fixFor(obj: KubeObject): string {
  return obj.kind === 'VirtualNode'
    ? 'check spec.service (port, portName, targetPort, timeout, backends) and that exactly one App Mesh Mesh selects the namespace'
    : 'check spec.service (port, timeout, retries, match) and analysis.match, and that exactly one App Mesh Mesh selects the namespace';
}
