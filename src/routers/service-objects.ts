/**
 * Pure builders for the three ClusterIP Services of a Canary (`<apex>`, `<apex>-primary`,
 * `<apex>-canary`) and the rule that decides whether a live Service needs an update (Flagger §5).
 */
import type { Canary, CanaryService } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import type { TargetMetadata } from '../targets/target.js';
import { TOOLKIT_ANNOTATIONS, canaryController, canaryId, canaryOwnerReference, serviceNames } from './canary-names.js';
import { jsonEqual, sameStringMap } from '../kube/json-equal.js';

/** The core Service kind. */
export const SERVICE_GVK = { apiVersion: 'v1', kind: 'Service' } as const;

/** Which of the three Services: the apex selects primary pods, as does the primary one. */
export type ServiceRole = 'apex' | 'primary' | 'canary';

/** One Service port as the API server stores it. */
export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
  nodePort?: number;
}

/** The Service fields Serin writes or reads. */
export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  trafficDistribution?: string;
  [field: string]: unknown;
}

/** A core/v1 Service. */
export interface ServiceObject extends KubeObject {
  spec: ServiceSpec;
}

/** `kubectl apply` records the user's manifest here; finalize restores the selector from it. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function mainTargetPort(service: CanaryService): number | string {
  const target = service.targetPort;
  return target === undefined || target === 0 || target === '' || target === '0' ? service.port : target;
}

/**
 * The ports of every generated Service: the main port, then (with `portDiscovery`) each other
 * container port of the target, sorted by name. A discovered port that repeats the main port's
 * name or number is skipped, since the API server refuses duplicates.
 */
export function servicePorts(service: CanaryService, target: TargetMetadata): ServicePort[] {
  const targetPort = mainTargetPort(service);
  const main: ServicePort = {
    name: service.portName || 'http',
    protocol: 'TCP',
    port: service.port,
    targetPort,
    ...(service.appProtocol ? { appProtocol: service.appProtocol } : {}),
  };
  if (!service.portDiscovery) return [main];
  const discovered = Object.entries(target.ports)
    .filter(([name, port]) => {
      const isMain = typeof targetPort === 'string' ? name === targetPort : port === targetPort;
      return !isMain && name !== main.name && port !== main.port;
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, port]): ServicePort => ({ name, protocol: 'TCP', port, targetPort: port }));
  return [main, ...discovered];
}

/** The pod selector of a role's Service: primary pods are labelled `<labelValue>-primary`. */
export function serviceSelector(role: ServiceRole, target: TargetMetadata): Record<string, string> {
  const value = role === 'canary' ? target.labelValue : `${target.labelValue}-primary`;
  return { [target.labelKey]: value };
}

/**
 * The Service Serin wants for `role`. `selector` overrides the role's selector (finalize points
 * the apex back at the target's pods). `headless` and `trafficDistribution` only matter on create.
 */
export function desiredService(
  canary: Canary,
  target: TargetMetadata,
  role: ServiceRole,
  selector: Record<string, string> = serviceSelector(role, target),
): ServiceObject {
  const service: CanaryService = canary.spec.service ?? { port: 0 };
  const names = serviceNames(canary);
  const name = names[role];
  const custom = service[role];
  return {
    apiVersion: SERVICE_GVK.apiVersion,
    kind: SERVICE_GVK.kind,
    metadata: {
      name,
      namespace: canaryId(canary).namespace,
      labels: { ...custom?.labels, [target.labelKey]: name },
      annotations: { ...custom?.annotations, ...TOOLKIT_ANNOTATIONS },
      ownerReferences: [canaryOwnerReference(canary)],
    },
    spec: {
      type: 'ClusterIP',
      ...(service.headless ? { clusterIP: 'None' } : {}),
      ...(service.trafficDistribution ? { trafficDistribution: service.trafficDistribution } : {}),
      selector,
      ports: servicePorts(service, target),
    },
  };
}

function normalPort(p: ServicePort): ServicePort {
  return {
    name: p.name ?? '',
    protocol: p.protocol ?? 'TCP',
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    ...(p.nodePort ? { nodePort: p.nodePort } : {}),
  };
}

function sortedPorts(ports: readonly ServicePort[]): ServicePort[] {
  return ports.map(normalPort).sort((a, b) => a.port - b.port || ((a.name ?? '') < (b.name ?? '') ? -1 : 1));
}

/** Ports equal regardless of order and of fields the API server defaults. */
export function samePorts(a: readonly ServicePort[], b: readonly ServicePort[]): boolean {
  return jsonEqual(sortedPorts(a), sortedPorts(b));
}

/** Keys listed as unmanaged keep whatever value the live object has (another tool owns them). */
function keepUnmanaged(
  desired: Readonly<Record<string, string>> | undefined,
  live: Readonly<Record<string, string>> | undefined,
  unmanaged: readonly string[] | undefined,
): Record<string, string> {
  const result = { ...desired };
  for (const key of unmanaged ?? []) {
    const value = live?.[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/**
 * The updated Service when `live` differs from `desired`, else undefined (nothing to write).
 * Ports and selector are always reconciled (node ports kept); labels and annotations only when
 * this Canary controls the Service, so a user's apex Service that Serin took over keeps its own
 * metadata except the two toolkit annotations, which every update adds. `clusterIP`, `type` and
 * `trafficDistribution` are never changed once created.
 */
export function serviceUpdate(live: ServiceObject, desired: ServiceObject, canary: Canary): ServiceObject | undefined {
  const liveSpec: ServiceSpec = live.spec ?? {};
  const livePorts = liveSpec.ports ?? [];
  const ports = (desired.spec.ports ?? []).map((port) => {
    const nodePort = livePorts.find((p) => p.name === port.name && (p.nodePort ?? 0) > 0)?.nodePort;
    return nodePort ? { ...port, nodePort } : port;
  });
  const selector = desired.spec.selector ?? {};
  const specChanged = !samePorts(ports, livePorts) || !sameStringMap(selector, liveSpec.selector);

  let labels = live.metadata.labels;
  let annotations = live.metadata.annotations;
  let metadataChanged = false;
  if (canaryController(live)?.name === canaryId(canary).name) {
    const unmanaged = canary.spec.service?.unmanagedMetadata;
    labels = keepUnmanaged(desired.metadata.labels, live.metadata.labels, unmanaged?.labels);
    annotations = keepUnmanaged(desired.metadata.annotations, live.metadata.annotations, unmanaged?.annotations);
    metadataChanged =
      !sameStringMap(labels, live.metadata.labels) || !sameStringMap(annotations, live.metadata.annotations);
  }
  if (!specChanged && !metadataChanged) return undefined;
  return {
    ...live,
    metadata: {
      ...live.metadata,
      ...(labels ? { labels } : {}),
      annotations: { ...annotations, ...TOOLKIT_ANNOTATIONS },
    },
    spec: { ...liveSpec, ports, selector },
  };
}

/**
 * The selector a user-created apex Service had before Serin took it over, from the manifest
 * `kubectl apply` recorded; undefined when there is no such record, an error when it is not JSON.
 */
export function lastAppliedSelector(live: ServiceObject): { selector: Record<string, string> | null } | undefined {
  const recorded = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (recorded === undefined) return undefined;
  const parsed = JSON.parse(recorded) as { spec?: { selector?: Record<string, string> | null } };
  return { selector: parsed.spec?.selector ?? null };
}
