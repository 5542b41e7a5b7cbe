/**
 * What the simulated mesh reads each tick: the weights of a service's routing object and the Ready
 * pods behind each side, straight from the cluster cache — the same objects a real Envoy or gateway
 * would be configured from, so a weight Serin writes changes the traffic on the next tick.
 */
import type { Cluster } from '../../src/kube/cluster.js';
import type { Gvk, KubeObject } from '../../src/kube/objects.js';
import { VIRTUAL_NODE, VIRTUAL_ROUTER, type VirtualNode, type VirtualRouter } from '../../src/routers/appmesh-types.js';
import { CONFIG_MAP, type PodSpec } from '../../src/targets/kube-types.js';

/** Core Pods. */
export const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
/** Core Services (the Gateway API backends). */
export const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
/** Gateway API HTTPRoutes. */
export const HTTP_ROUTE = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' } as const;

/** Which routing object splits the traffic. */
export const TrafficProvider = { AppMesh: 'appmesh', GatewayApi: 'gatewayapi' } as const;
export type TrafficProvider = (typeof TrafficProvider)[keyof typeof TrafficProvider];

/** The two sides of a canary release. */
export const Side = { Primary: 'primary', Canary: 'canary' } as const;
export type Side = (typeof Side)[keyof typeof Side];
/** Both sides, primary first. */
export const SIDES: readonly Side[] = [Side.Primary, Side.Canary];

/** The kinds the simulator's cluster must cache for a provider (ConfigMaps for `fromConfigMap`). */
export function simulatorKinds(provider: TrafficProvider = TrafficProvider.AppMesh): Gvk[] {
  return provider === TrafficProvider.AppMesh
    ? [POD, CONFIG_MAP, VIRTUAL_NODE, VIRTUAL_ROUTER]
    : [POD, CONFIG_MAP, SERVICE, HTTP_ROUTE];
}

/** A Pod with the fields the simulator reads. */
export interface SimPod extends KubeObject {
  spec?: PodSpec;
  status?: { phase?: string; conditions?: { type: string; status: string }[]; [field: string]: unknown };
}

/** One side of a service as routed this tick. */
export interface SideRoute {
  /** Relative weight (App Mesh 0–100; Gateway API any integer, default 1); 0 when the route names no such backend. */
  readonly weight: number;
  /** Ready pods that receive this side's requests, in name order. */
  readonly pods: readonly SimPod[];
  /** The Envoy ingress cluster of these pods (App Mesh only): `cds_ingress_<mesh>_<vnAwsName>_<protocol>_<port>`. */
  readonly envoyCluster?: string;
}

/** Both sides of a service. */
export type ServiceRouting = Readonly<Record<Side, SideRoute>>;

/** Ready as the endpoints controller sees it: Running, condition Ready=True, not being deleted. */
export function isReady(pod: SimPod): boolean {
  if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running') return false;
  return (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Ready pods of the namespace carrying every label of `matchLabels`; none for an empty selector. */
function readyPods(cluster: Cluster, namespace: string, matchLabels: Record<string, string> | undefined): SimPod[] {
  const wanted = Object.entries(matchLabels ?? {});
  // An absent selector selects nothing in App Mesh and for a Service without selector; never everything.
  if (wanted.length === 0) return [];
  return cluster
    .list<SimPod>(POD, namespace)
    .filter((pod) => wanted.every(([k, v]) => pod.metadata.labels?.[k] === v) && isReady(pod));
}

function sideOf(apex: string, backend: string | undefined): Side | undefined {
  if (backend === `${apex}-primary`) return Side.Primary;
  if (backend === `${apex}-canary`) return Side.Canary;
  return undefined;
}

/**
 * App Mesh: weights from `spec.routes[0].httpRoute.action.weightedTargets` of the VirtualRouter
 * `<apex>` (targets `<apex>-primary`/`<apex>-canary`), pods from each VirtualNode's
 * `spec.podSelector.matchLabels`. Undefined when the router or its route is missing (no traffic).
 * `mesh` names the mesh when the VirtualNode has no `meshRef` (the App Mesh webhook that fills it
 * does not run in the test cluster); `port` is the listener port when the VirtualNode has none.
 */
export function readAppMeshRouting(
  cluster: Cluster,
  namespace: string,
  apex: string,
  defaults: { readonly mesh: string; readonly port: number },
): ServiceRouting | undefined {
  const router = cluster.get<VirtualRouter>({ ...VIRTUAL_ROUTER, namespace, name: apex });
  const targets = router?.spec.routes?.[0]?.httpRoute?.action.weightedTargets;
  if (!targets) return undefined;
  const side = (which: Side): SideRoute => {
    const name = `${apex}-${which}`;
    const weight = targets
      .filter((t) => sideOf(apex, t.virtualNodeRef?.name) === which)
      .reduce((sum, t) => sum + t.weight, 0);
    const node = cluster.get<VirtualNode>({ ...VIRTUAL_NODE, namespace, name });
    const listener = node?.spec.listeners?.[0]?.portMapping;
    const awsName = node?.spec.awsName ?? `${name}_${namespace}`;
    const mesh = node?.spec.meshRef?.name ?? defaults.mesh;
    const envoyCluster = `cds_ingress_${mesh}_${awsName}_${listener?.protocol ?? 'http'}_${listener?.port ?? defaults.port}`;
    return { weight, pods: readyPods(cluster, namespace, node?.spec.podSelector?.matchLabels), envoyCluster };
  };
  return { primary: side(Side.Primary), canary: side(Side.Canary) };
}

interface BackendRef {
  name?: string;
  weight?: number;
}
interface HttpRoute extends KubeObject {
  spec?: { rules?: { backendRefs?: BackendRef[] }[] };
}
interface Service extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

/**
 * Gateway API: weights from the HTTPRoute `<apex>` — the last rule with exactly two backendRefs, as
 * Flagger reads it (so an A/B route's primary-only rule is skipped), else the first rule with any —
 * and pods from the selectors of the Services `<apex>-primary`/`<apex>-canary`. A backendRef
 * without a weight weighs 1, the Gateway API default. Undefined when there is no such rule.
 */
export function readGatewayRouting(cluster: Cluster, namespace: string, apex: string): ServiceRouting | undefined {
  const rules = cluster.get<HttpRoute>({ ...HTTP_ROUTE, namespace, name: apex })?.spec?.rules ?? [];
  const rule =
    rules.findLast((r) => (r.backendRefs ?? []).length === 2) ?? rules.find((r) => (r.backendRefs ?? []).length > 0);
  if (!rule) return undefined;
  const side = (which: Side): SideRoute => {
    const weight = (rule.backendRefs ?? [])
      .filter((ref) => sideOf(apex, ref.name) === which)
      .reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
    const service = cluster.get<Service>({ ...SERVICE, namespace, name: `${apex}-${which}` });
    return { weight, pods: readyPods(cluster, namespace, service?.spec?.selector) };
  };
  return { primary: side(Side.Primary), canary: side(Side.Canary) };
}
