/**
 * The App Mesh `appmesh.k8s.aws/v1beta2` objects Serin writes, with just the fields it uses.
 * Fields of live objects are optional because users and the App Mesh controller may write them.
 */
import type { KubeObject } from '../kube/objects.js';

/** API group and version of App Mesh's Kubernetes API. */
export const APPMESH_API_VERSION = 'appmesh.k8s.aws/v1beta2';
/** The VirtualNode kind. */
export const VIRTUAL_NODE = { apiVersion: APPMESH_API_VERSION, kind: 'VirtualNode' } as const;
/** The VirtualRouter kind. */
export const VIRTUAL_ROUTER = { apiVersion: APPMESH_API_VERSION, kind: 'VirtualRouter' } as const;
/** The VirtualService kind. */
export const VIRTUAL_SERVICE = { apiVersion: APPMESH_API_VERSION, kind: 'VirtualService' } as const;

/** An App Mesh duration; Serin always writes milliseconds. */
export interface AppMeshDuration {
  unit: 'ms' | 's';
  value: number;
}

/** Listener port and protocol (Serin writes `http` or `grpc`). */
export interface PortMapping {
  port: number;
  protocol: string;
}

/** Filled by the App Mesh webhook on create; read-only afterwards. */
export interface MeshRef {
  name: string;
  uid: string;
}

/** A route target: one VirtualNode and its relative weight (0–100). */
export interface WeightedTarget {
  virtualNodeRef?: { name: string; namespace?: string };
  virtualNodeARN?: string;
  weight: number;
}

/** A header condition of an HTTP route. */
export interface HeaderMatch {
  name: string;
  match: { exact?: string; prefix?: string; regex?: string; suffix?: string };
}

/** `httpRoute` of a VirtualRouter route. */
export interface HttpRoute {
  match: { prefix?: string; headers?: HeaderMatch[]; [field: string]: unknown };
  timeout?: { perRequest: AppMeshDuration };
  retryPolicy?: { perRetryTimeout: AppMeshDuration; maxRetries: number; httpRetryEvents: string[] };
  action: { weightedTargets: WeightedTarget[] };
}

/** One route of a VirtualRouter (Serin writes only `httpRoute`). */
export interface RouterRoute {
  name: string;
  priority?: number;
  httpRoute?: HttpRoute;
  [field: string]: unknown;
}

/** `spec` of a VirtualNode. */
export interface VirtualNodeSpec {
  awsName?: string;
  meshRef?: MeshRef;
  podSelector?: { matchLabels?: Record<string, string> };
  listeners?: { portMapping: PortMapping; timeout?: { http?: { perRequest: AppMeshDuration } } }[];
  serviceDiscovery?: { dns?: { hostname: string } };
  backends?: { virtualService: { virtualServiceARN?: string; virtualServiceRef?: { name: string } } }[];
  logging?: { accessLog: { file: { path: string } } };
  [field: string]: unknown;
}

/** A VirtualNode: one version of the workload (primary or canary pods) in the mesh. */
export interface VirtualNode extends KubeObject {
  spec: VirtualNodeSpec;
}

/** `spec` of a VirtualRouter. */
export interface VirtualRouterSpec {
  awsName?: string;
  meshRef?: MeshRef;
  listeners?: { portMapping: PortMapping }[];
  routes?: RouterRoute[];
  [field: string]: unknown;
}

/** A VirtualRouter: splits a VirtualService's traffic between VirtualNodes. */
export interface VirtualRouter extends KubeObject {
  spec: VirtualRouterSpec;
}

/** A VirtualService: the name clients call, provided by a VirtualRouter. */
export interface VirtualService extends KubeObject {
  spec: {
    awsName?: string;
    meshRef?: MeshRef;
    provider?: { virtualRouter?: { virtualRouterRef?: { name: string } } };
    [field: string]: unknown;
  };
}
