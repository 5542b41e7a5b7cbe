/**
 * VPC Lattice behind Gateway API (docs/providers.md#vpc-lattice, appmesh-lattice.md §4.2): the AWS
 * Gateway API controller builds a Lattice service from an HTTPRoute but ignores every filter and
 * timeout, and rejects regex path or header matches, query matches, more than 5 header matches or
 * more than one match in a rule. A Canary asking for any of these through a Gateway whose
 * GatewayClass is Lattice's would be released with less than it asked for, or not routed at all,
 * so it is refused with the field and the reason instead.
 *
 * The gateway class is read from the API server (Gateway, then its cluster-scoped GatewayClass)
 * once per Canary generation and gateway list, then kept: a steady tick reads nothing.
 */
import type { Canary, HttpMatchRequest } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import type { Problem } from '../lib/result.js';
import { canaryId } from './canary-names.js';

/** The `controllerName` of the AWS Gateway API controller's GatewayClass. */
export const LATTICE_CONTROLLER = 'application-networking.k8s.aws/gateway-api-controller';
/** Header matches Lattice takes per rule (`LATTICE_MAX_HEADER_MATCHES`). */
const MAX_HEADERS = 5;
/** How long a gateway-class answer is kept before it is read again (a Gateway may change class). */
const KEEP_MS = 5 * 60_000;

type Matcher = Record<string, unknown> | undefined;

/** Why Lattice cannot do what one match list asks, naming the entry. */
function matchLimit(path: string, matches: readonly HttpMatchRequest[]): string | undefined {
  for (const [i, m] of matches.entries()) {
    const at = `${path}[${i}]`;
    if ((m.uri as Matcher)?.regex !== undefined) return `${at}.uri.regex: Lattice rejects regex path matches`;
    if (Object.keys(m.queryParams ?? {}).length > 0) return `${at}.queryParams: Lattice cannot match query parameters`;
    const headers = Object.entries(m.headers ?? {});
    const regex = headers.find(([, v]) => (v as Matcher)?.regex !== undefined);
    if (regex) return `${at}.headers.${regex[0]}: Lattice matches headers exactly only`;
    if (headers.length > MAX_HEADERS) return `${at}.headers: Lattice takes at most ${MAX_HEADERS} header matches`;
  }
  return undefined;
}

/** The first field of the Canary that Lattice cannot honour, with why; undefined when there is none. */
export function latticeLimit(canary: Canary): string | undefined {
  const service = canary.spec.service;
  const analysis = canary.spec.analysis;
  const ignored: [string, unknown][] = [
    ['spec.analysis.mirror', analysis?.mirror === true ? true : undefined],
    ['spec.analysis.sessionAffinity', analysis?.sessionAffinity],
    ['spec.service.headers', service?.headers],
    ['spec.service.rewrite', service?.rewrite],
    ['spec.service.mirror', service?.mirror?.length ? service.mirror : undefined],
    ['spec.service.corsPolicy', service?.corsPolicy],
  ];
  const filter = ignored.find(([, value]) => value !== undefined);
  if (filter) return `${filter[0]}: Lattice ignores HTTPRoute filters, so it would do nothing`;
  if (service?.timeout || service?.backendTimeout) {
    return `spec.service.${service.timeout ? 'timeout' : 'backendTimeout'}: Lattice ignores route timeouts`;
  }
  const serviceMatches = service?.match ?? [];
  const abMatches = analysis?.match ?? [];
  if (Math.max(serviceMatches.length, 1) * Math.max(abMatches.length, 1) > 1) {
    return 'spec.service.match and spec.analysis.match: Lattice takes one match per rule; keep one of each at most';
  }
  return matchLimit('spec.service.match', serviceMatches) ?? matchLimit('spec.analysis.match', abMatches);
}

interface Known {
  readonly key: string;
  readonly at: number;
  /** `<ns>/<gateway> (GatewayClass <class>)` when a parent is a Lattice gateway. */
  readonly lattice: string | undefined;
}

/** Finds, and remembers per Canary generation, whether a Canary's gateways are VPC Lattice's. */
export class LatticeGateways {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly cluster: Cluster,
    private readonly now: () => number = Date.now,
  ) {}

  /** The problem of a Canary routed through Lattice that asks for what Lattice cannot do. */
  async problem(canary: Canary, signal?: AbortSignal): Promise<Problem | undefined> {
    const limit = latticeLimit(canary);
    if (!limit) return undefined;
    const gateway = await this.latticeParent(canary, signal);
    if (!gateway) return undefined;
    return {
      message: `canary ${canaryId(canary).namespace}/${canaryId(canary).name} routes through VPC Lattice gateway ${gateway}: ${limit}`,
      fix: 'remove that field, or attach the route to a gateway whose controller supports it',
      condition: 'FeatureNotSupported',
    };
  }

  private async latticeParent(canary: Canary, signal?: AbortSignal): Promise<string | undefined> {
    const { namespace, name } = canaryId(canary);
    const refs = canary.spec.service?.gatewayRefs ?? [];
    const key = `${canary.metadata?.generation ?? 0}:${JSON.stringify(refs)}`;
    const id = `${namespace}/${name}`;
    const known = this.known.get(id);
    if (known && known.key === key && this.now() - known.at < KEEP_MS) return known.lattice;
    let lattice: string | undefined;
    for (const ref of refs) {
      if ((ref.group ?? 'gateway.networking.k8s.io') !== 'gateway.networking.k8s.io') continue;
      if ((ref.kind ?? 'Gateway') !== 'Gateway') continue;
      const ns = ref.namespace ?? namespace;
      lattice = await this.latticeClass(ns, ref.name, signal);
      if (lattice) break;
    }
    this.known.set(id, { key, at: this.now(), lattice });
    return lattice;
  }

  /** `<ns>/<gateway> (GatewayClass <class>)` when the Gateway's class is Lattice's; unreadable → not Lattice. */
  private async latticeClass(ns: string, gateway: string, signal?: AbortSignal): Promise<string | undefined> {
    const options = signal ? { signal } : {};
    try {
      const gw = await this.cluster.read<{ spec?: { gatewayClassName?: string } }>(
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: ns, name: gateway },
        options,
      );
      const className = gw?.spec?.gatewayClassName;
      if (!className) return undefined;
      const cls = await this.cluster.read<{ spec?: { controllerName?: string } }>(
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: className },
        options,
      );
      return cls?.spec?.controllerName === LATTICE_CONTROLLER
        ? `${ns}/${gateway} (GatewayClass ${className})`
        : undefined;
    } catch {
      return undefined; // no Gateway API, or no right to read it: nothing to enforce
    }
  }
}
