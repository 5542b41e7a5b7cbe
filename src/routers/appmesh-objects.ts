/**
 * Pure builders for the App Mesh objects of a Canary (Flagger §6.1): VirtualNodes
 * `<apex>-primary`/`<apex>-canary`, VirtualRouters and VirtualServices `<apex>`/`<apex>-canary`.
 * Update rules and weight reading live in appmesh-rules.ts.
 */
import type { Canary, CanaryService } from '../api/index.js';
import type { TargetMetadata } from '../targets/target.js';
import {
  APPMESH_API_VERSION,
  type AppMeshDuration,
  type HeaderMatch,
  type HttpRoute,
  type PortMapping,
  type RouterRoute,
  type VirtualNode,
  type VirtualNodeSpec,
  type VirtualRouter,
  type VirtualService,
  type WeightedTarget,
} from './appmesh-types.js';
import { TOOLKIT_ANNOTATIONS, canaryId, canaryOwnerReference, serviceNames } from './canary-names.js';
import { goDurationMillis } from './go-duration.js';

/** Canary annotation that turns on Envoy access logs to stdout on both VirtualNodes. */
export const ACCESS_LOG_ANNOTATION = 'appmesh.flagger.app/accesslog';

const NO_SERVICE: CanaryService = { port: 0 };

function serviceOf(canary: Canary): CanaryService {
  return canary.spec.service ?? NO_SERVICE;
}

/** Listener port: an integer `targetPort` above 0, else `port`. Protocol: `grpc` if the port name says so. */
export function appMeshPortMapping(service: CanaryService): PortMapping {
  const target = service.targetPort;
  return {
    port: typeof target === 'number' && target > 0 ? target : service.port,
    protocol: service.portName?.includes('grpc') ? 'grpc' : 'http',
  };
}

/** `service.timeout` as an App Mesh duration in ms, when it parses as a Go duration. */
export function appMeshTimeout(service: CanaryService): AppMeshDuration | undefined {
  const ms = goDurationMillis(service.timeout);
  return ms === undefined ? undefined : { unit: 'ms', value: ms };
}

/** The route retry policy from `service.retries`: defaults 250 ms per try, 1 retry, `gateway-error`. */
export function appMeshRetryPolicy(service: CanaryService): HttpRoute['retryPolicy'] {
  const retries = service.retries;
  if (!retries) return undefined;
  const events = (retries.retryOn ?? '')
    .split(',')
    .map((event) => event.trim())
    .filter((event) => event !== '');
  return {
    perRetryTimeout: { unit: 'ms', value: goDurationMillis(retries.perTryTimeout) ?? 250 },
    maxRetries: retries.attempts !== undefined && retries.attempts > 0 ? retries.attempts : 1,
    httpRetryEvents: events.length > 0 ? events : ['gateway-error'],
  };
}

/** Backends: entries starting with `arn:aws` are ARNs, others VirtualService names. */
export function appMeshBackends(service: CanaryService): VirtualNodeSpec['backends'] {
  const backends = (service.backends ?? []).map((backend) =>
    backend.startsWith('arn:aws')
      ? { virtualService: { virtualServiceARN: backend } }
      : { virtualService: { virtualServiceRef: { name: backend } } },
  );
  return backends.length > 0 ? backends : undefined;
}

/**
 * The VirtualNode of the primary or canary pods. Its pod selector uses the target's selector label
 * value (`<value>-primary` for the primary), the labels the pods really carry; its DNS hostname is
 * the matching Service's FQDN with a trailing dot.
 */
export function desiredVirtualNode(canary: Canary, target: TargetMetadata, role: 'primary' | 'canary'): VirtualNode {
  const service = serviceOf(canary);
  const { namespace } = canaryId(canary);
  const name = serviceNames(canary)[role];
  const timeout = appMeshTimeout(service);
  const backends = appMeshBackends(service);
  const podValue = role === 'primary' ? `${target.labelValue}-primary` : target.labelValue;
  const labels = service.apex?.labels;
  return {
    apiVersion: APPMESH_API_VERSION,
    kind: 'VirtualNode',
    metadata: {
      name,
      namespace,
      ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
      annotations: { ...service.apex?.annotations, ...TOOLKIT_ANNOTATIONS },
      ownerReferences: [canaryOwnerReference(canary)],
    },
    spec: {
      podSelector: { matchLabels: { [target.labelKey]: podValue } },
      listeners: [
        {
          portMapping: appMeshPortMapping(service),
          ...(timeout ? { timeout: { http: { perRequest: timeout } } } : {}),
        },
      ],
      serviceDiscovery: { dns: { hostname: `${name}.${namespace}.svc.cluster.local.` } },
      ...(backends ? { backends } : {}),
      ...(canary.metadata?.annotations?.[ACCESS_LOG_ANNOTATION] === 'enabled'
        ? { logging: { accessLog: { file: { path: '/dev/stdout' } } } }
        : {}),
    },
  };
}

/** Header conditions of the A/B route from `analysis.match`, header names sorted for stable diffs. */
export function abHeaders(canary: Canary): HeaderMatch[] {
  return (canary.spec.analysis.match ?? []).flatMap((match) =>
    Object.entries(match.headers ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, m]): HeaderMatch => {
        const how: HeaderMatch['match'] = {};
        if (m.exact) how.exact = m.exact;
        if (m.prefix) how.prefix = m.prefix;
        if (m.regex) how.regex = m.regex;
        if (m.suffix) how.suffix = m.suffix;
        return { name, match: how };
      }),
  );
}

/** The weighted targets `[<apex>-canary: canary, <apex>-primary: primary]`, in Flagger's order. */
export function weightedTargets(canary: Canary, primary: number, canaryWeight: number): WeightedTarget[] {
  const names = serviceNames(canary);
  return [
    { virtualNodeRef: { name: names.canary }, weight: canaryWeight },
    { virtualNodeRef: { name: names.primary }, weight: primary },
  ];
}

function httpRoute(canary: Canary, match: HttpRoute['match'], targets: WeightedTarget[]): HttpRoute {
  const service = serviceOf(canary);
  const timeout = appMeshTimeout(service);
  const retryPolicy = appMeshRetryPolicy(service);
  return {
    match,
    ...(timeout ? { timeout: { perRequest: timeout } } : {}),
    ...(retryPolicy ? { retryPolicy } : {}),
    action: { weightedTargets: targets },
  };
}

/**
 * The VirtualRouter `<apex>` (all traffic to the primary) or `<apex>-canary` (all to the canary).
 * With `analysis.match`, the apex router instead has an A/B pair: `<apex>-a` (priority 10, the
 * header conditions, weighted) and `<apex>-b` (priority 20, everything else to the primary).
 */
export function desiredVirtualRouter(canary: Canary, role: 'apex' | 'canary'): VirtualRouter {
  const service = serviceOf(canary);
  const names = serviceNames(canary);
  const name = names[role];
  const canaryWeight = role === 'apex' ? 0 : 100;
  const prefix = service.match?.[0]?.uri?.prefix || '/';
  const headers = abHeaders(canary);
  let routes: RouterRoute[] = [
    { name, httpRoute: httpRoute(canary, { prefix }, weightedTargets(canary, 100 - canaryWeight, canaryWeight)) },
  ];
  if (role === 'apex' && (canary.spec.analysis.match ?? []).length > 0) {
    routes = [
      {
        name: `${names.apex}-a`,
        priority: 10,
        // App Mesh refuses an empty header list; without headers the route matches on the prefix alone.
        httpRoute: httpRoute(
          canary,
          headers.length > 0 ? { prefix, headers } : { prefix },
          weightedTargets(canary, 100, 0),
        ),
      },
      {
        name: `${names.apex}-b`,
        priority: 20,
        httpRoute: httpRoute(canary, { prefix }, [{ virtualNodeRef: { name: names.primary }, weight: 100 }]),
      },
    ];
  }
  return {
    apiVersion: APPMESH_API_VERSION,
    kind: 'VirtualRouter',
    metadata: { name, namespace: canaryId(canary).namespace, ownerReferences: [canaryOwnerReference(canary)] },
    spec: { listeners: [{ portMapping: appMeshPortMapping(service) }], routes },
  };
}

/** The App Mesh gateway annotations of the apex VirtualService (only when `service.hosts` is set). */
export function gatewayAnnotations(service: CanaryService): Record<string, string> {
  const hosts = service.hosts ?? [];
  if (hosts.length === 0) return {};
  return {
    'gateway.appmesh.k8s.aws/expose': 'true',
    'gateway.appmesh.k8s.aws/domain': hosts.map((host) => `${host},`).join(''),
    ...(service.timeout ? { 'gateway.appmesh.k8s.aws/timeout': service.timeout } : {}),
    ...(service.retries?.attempts && service.retries.attempts > 0
      ? { 'gateway.appmesh.k8s.aws/retries': String(service.retries.attempts) }
      : {}),
  };
}

/** The VirtualService named like its router and provided by it; `awsName` is left to App Mesh. */
export function desiredVirtualService(canary: Canary, role: 'apex' | 'canary'): VirtualService {
  const name = serviceNames(canary)[role];
  const annotations = role === 'apex' ? gatewayAnnotations(serviceOf(canary)) : {};
  return {
    apiVersion: APPMESH_API_VERSION,
    kind: 'VirtualService',
    metadata: {
      name,
      namespace: canaryId(canary).namespace,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [canaryOwnerReference(canary)],
    },
    spec: { provider: { virtualRouter: { virtualRouterRef: { name } } } },
  };
}
