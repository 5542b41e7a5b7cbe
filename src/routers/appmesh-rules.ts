/**
 * When a live App Mesh object needs an update, what the update keeps (the webhook-owned
 * `awsName`/`meshRef`, the live weights), and how weights are read from and written to the apex
 * VirtualRouter (Flagger §6.1.1, §6.1.2, §6.1.5). Pure functions of live and desired objects.
 */
import type { Canary } from '../api/index.js';
import type { Routes } from '../engine/model.js';
import type { RouterRoute, VirtualNode, VirtualRouter, VirtualRouterSpec } from './appmesh-types.js';
import { weightedTargets } from './appmesh-objects.js';
import { serviceNames } from './canary-names.js';
import { jsonEqual, omitKeys, sameStringMap } from '../kube/json-equal.js';

/** `spec` without the fields the App Mesh webhook owns. */
function withoutMeshFields<T extends { awsName?: unknown; meshRef?: unknown }>(
  spec: T | undefined,
): Omit<T, 'awsName' | 'meshRef'> {
  return omitKeys(spec ?? ({} as T), ['awsName', 'meshRef']);
}

/** Copies `awsName` and `meshRef` from the live spec: the API refuses to change or drop them. */
function keepMeshFields<T extends object>(spec: T, live: { awsName?: string; meshRef?: unknown } | undefined): T {
  return {
    ...spec,
    ...(live?.awsName !== undefined ? { awsName: live.awsName } : {}),
    ...(live?.meshRef !== undefined ? { meshRef: live.meshRef } : {}),
  };
}

/**
 * The updated VirtualNode when the spec (ignoring `awsName`/`meshRef`), labels or annotations
 * differ, else undefined. The update replaces spec and labels/annotations, keeping the mesh fields.
 */
export function virtualNodeUpdate(live: VirtualNode, desired: VirtualNode): VirtualNode | undefined {
  const same =
    jsonEqual(withoutMeshFields(live.spec), withoutMeshFields(desired.spec)) &&
    sameStringMap(live.metadata.labels, desired.metadata.labels) &&
    sameStringMap(live.metadata.annotations, desired.metadata.annotations);
  if (same) return undefined;
  const metadata = omitKeys(live.metadata, ['labels', 'annotations']);
  return {
    ...live,
    metadata: {
      ...metadata,
      ...(desired.metadata.labels ? { labels: desired.metadata.labels } : {}),
      ...(desired.metadata.annotations ? { annotations: desired.metadata.annotations } : {}),
    },
    spec: keepMeshFields(desired.spec, live.spec),
  };
}

/** Routes with every weighted target list blanked, so comparisons ignore weights. */
function withoutWeights(routes: readonly RouterRoute[] | undefined): unknown[] {
  return (routes ?? []).map((route) =>
    route.httpRoute ? { ...route, httpRoute: { ...route.httpRoute, action: {} } } : route,
  );
}

/**
 * The updated VirtualRouter when listeners or routes differ ignoring weights and the mesh fields,
 * else undefined. The update keeps the live `routes[0].httpRoute.action`, so an analysis in
 * progress keeps its traffic split.
 */
export function virtualRouterUpdate(live: VirtualRouter, desired: VirtualRouter): VirtualRouter | undefined {
  const liveSpec: VirtualRouterSpec = withoutMeshFields(live.spec);
  const desiredSpec: VirtualRouterSpec = withoutMeshFields(desired.spec);
  const same = jsonEqual(
    { ...liveSpec, routes: withoutWeights(liveSpec.routes) },
    { ...desiredSpec, routes: withoutWeights(desiredSpec.routes) },
  );
  if (same) return undefined;
  const liveAction = live.spec?.routes?.[0]?.httpRoute?.action;
  const routes = (desired.spec.routes ?? []).map((route, i) =>
    i === 0 && route.httpRoute && liveAction
      ? { ...route, httpRoute: { ...route.httpRoute, action: liveAction } }
      : route,
  );
  return { ...live, spec: keepMeshFields<VirtualRouterSpec>({ ...desired.spec, routes }, live.spec) };
}

/** The desired routes with `routes[0]` sending `routes.primary`/`routes.canary` percent (mirroring is not supported). */
export function routesWithWeights(canary: Canary, desired: readonly RouterRoute[], routes: Routes): RouterRoute[] {
  return desired.map((route, i) =>
    i === 0 && route.httpRoute
      ? {
          ...route,
          httpRoute: {
            ...route.httpRoute,
            action: { weightedTargets: weightedTargets(canary, routes.primary, routes.canary) },
          },
        }
      : route,
  );
}

/**
 * Weights of the apex VirtualRouter's first route, with Flagger's error texts: the route must
 * exist with exactly two weighted targets, and at least one of `<apex>-primary`/`<apex>-canary`
 * must carry weight. `router` undefined means it is not in the cache.
 */
export function readWeights(canary: Canary, router: VirtualRouter | undefined): Routes | { readonly error: string } {
  const names = serviceNames(canary);
  if (!router) {
    return {
      error: `VirtualRouter ${names.apex} get query error: virtualrouters.appmesh.k8s.aws "${names.apex}" not found`,
    };
  }
  const targets = router.spec?.routes?.[0]?.httpRoute?.action?.weightedTargets;
  if (!Array.isArray(targets) || targets.length !== 2) {
    return { error: `VirtualRouter routes ${names.apex} not found` };
  }
  let primary = 0;
  let canaryWeight = 0;
  for (const target of targets) {
    const weight = typeof target.weight === 'number' ? target.weight : 0;
    if (target.virtualNodeRef?.name === names.canary) canaryWeight = weight;
    if (target.virtualNodeRef?.name === names.primary) primary = weight;
  }
  if (primary === 0 && canaryWeight === 0) {
    return {
      error: `VirtualRouter ${names.apex} does not contain routes for ${names.apex}-primary and ${names.apex}-canary`,
    };
  }
  return { primary, canary: canaryWeight, mirrored: false };
}
