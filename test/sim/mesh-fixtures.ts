/**
 * Routing objects for simulator tests, shaped like the ones Serin's routers write for a canary
 * (App Mesh VirtualNodes and the apex VirtualRouter; Gateway API HTTPRoute and backend Services),
 * so a test can set weights by hand without running the operator.
 */
import type { KubeObject } from '../../src/kube/objects.js';
import {
  APPMESH_API_VERSION,
  type RouterRoute,
  type VirtualNode,
  type VirtualRouter,
} from '../../src/routers/appmesh-types.js';
import { HTTP_ROUTE, SERVICE } from './routing.js';

/** VirtualNode `name` selecting pods by `matchLabels`, listening on `port` (http). */
export function meshVirtualNode(
  namespace: string,
  name: string,
  matchLabels: Record<string, string>,
  port = 8180,
): VirtualNode {
  return {
    apiVersion: APPMESH_API_VERSION,
    kind: 'VirtualNode',
    metadata: { name, namespace },
    spec: {
      podSelector: { matchLabels },
      listeners: [{ portMapping: { port, protocol: 'http' } }],
      serviceDiscovery: { dns: { hostname: `${name}.${namespace}.svc.cluster.local.` } },
    },
  };
}

/** The weighted route of VirtualRouter `<apex>`: canary first, as Flagger writes it. */
export function meshRoutes(apex: string, weights: { primary: number; canary: number }): RouterRoute[] {
  return [
    {
      name: apex,
      httpRoute: {
        match: { prefix: '/' },
        action: {
          weightedTargets: [
            { virtualNodeRef: { name: `${apex}-canary` }, weight: weights.canary },
            { virtualNodeRef: { name: `${apex}-primary` }, weight: weights.primary },
          ],
        },
      },
    },
  ];
}

/** VirtualRouter `<apex>` splitting between `<apex>-primary` and `<apex>-canary`. */
export function meshVirtualRouter(
  namespace: string,
  apex: string,
  weights: { primary: number; canary: number },
  port = 8180,
): VirtualRouter {
  return {
    apiVersion: APPMESH_API_VERSION,
    kind: 'VirtualRouter',
    metadata: { name: apex, namespace },
    spec: { listeners: [{ portMapping: { port, protocol: 'http' } }], routes: meshRoutes(apex, weights) },
  };
}

/** A ClusterIP Service `name` selecting `selector`, as Serin's `<apex>-primary`/`<apex>-canary`. */
export function backendService(
  namespace: string,
  name: string,
  selector: Record<string, string>,
  port = 8180,
): KubeObject {
  return {
    ...SERVICE,
    metadata: { name, namespace },
    spec: { selector, ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] },
  };
}

/** HTTPRoute `<apex>` with one rule weighing `<apex>-primary` against `<apex>-canary`, parent Gateway `gateway`. */
export function gatewayHttpRoute(
  namespace: string,
  apex: string,
  weights: { primary: number; canary: number },
  port = 8180,
): KubeObject {
  return {
    ...HTTP_ROUTE,
    metadata: { name: apex, namespace },
    spec: {
      parentRefs: [{ name: 'gateway' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { group: '', kind: 'Service', name: `${apex}-primary`, port, weight: weights.primary },
            { group: '', kind: 'Service', name: `${apex}-canary`, port, weight: weights.canary },
          ],
        },
      ],
    },
  };
}
