/**
 * The pure core of `serin migrate appmesh-to-gatewayapi`: an App Mesh Canary in, its Gateway API
 * version out, with every field that changed, was dropped or now behaves differently, and why
 * (appmesh-lattice.md §5.3, Phase A). No I/O: the CLI reads the files and prints the result.
 */
import { MeshProvider, type Canary } from '../api/index.js';
import { metricSourceOf } from '../engine/judge.js';
import { nonNegativeDurationMs } from '../lib/duration.js';
import { ACCESS_LOG_ANNOTATION } from '../routers/appmesh-objects.js';
import type { ProviderRegistry } from '../routers/registry.js';
import { dropped, kept, quote, type Change } from './change.js';
import { migrateMatches } from './match-rules.js';

/** The Gateway the HTTPRoutes attach to (`--gateway NAMESPACE/NAME[:SECTION]`). */
export interface GatewayTarget {
  readonly namespace: string;
  readonly name: string;
  /** The listener to attach to; all listeners when absent. */
  readonly sectionName?: string;
}

/** How to migrate. */
export interface MigrateOptions {
  readonly gateway: GatewayTarget;
  /** The Gateway is Amazon VPC Lattice's: report what Lattice ignores or rejects. Default false. */
  readonly lattice: boolean;
  /** The provider registry: which provider names are App Mesh's. */
  readonly registry: ProviderRegistry;
}

type Service = NonNullable<Canary['spec']['service']>;

/** A migrated Canary and its changes, or why it was left alone. */
export type Migration =
  | { readonly migrated: true; readonly canary: Canary; readonly changes: readonly Change[] }
  | { readonly migrated: false; readonly why: string };

/** The provider the migrated Canaries name. */
export const TARGET_PROVIDER = MeshProvider.GatewayApiV1;

/** Analysis interval below which Lattice's unmeasured weight propagation makes checks unreliable (ms). */
export const LATTICE_MIN_INTERVAL_MS = 60_000;

/** The Gateway API version of an App Mesh Canary, or why it is not one. */
export function migrateCanary(canary: Canary, options: MigrateOptions): Migration {
  const named = canary.spec.provider;
  if (named && options.registry.lookup(named)?.name !== MeshProvider.AppMeshV1beta2) {
    return {
      migrated: false,
      why: `spec.provider is ${quote(named)}, not App Mesh: only appmesh and appmesh:v1beta2 Canaries are migrated`,
    };
  }
  if (canary.spec.service === undefined) {
    return {
      migrated: false,
      why: 'spec.service is missing: Gateway API routes to service.port of the generated Services',
    };
  }
  const out = structuredClone(canary);
  const service = structuredClone(canary.spec.service);
  out.spec.service = service;
  const changes = [
    ...providerRule(out, named),
    ...gatewayRefsRule(out, service, options.gateway),
    ...appMeshOnlyRule(service),
    ...serviceRules(service, options.lattice),
    ...matchRules(out, service, options.lattice),
    ...analysisRules(out, options.lattice),
    ...accessLogRule(out),
    ...metricsRule(out),
  ];
  return { migrated: true, canary: out, changes };
}

function providerRule(canary: Canary, named: string | undefined): Change[] {
  canary.spec.provider = TARGET_PROVIDER;
  const why = named
    ? 'routes through one HTTPRoute on the Gateway instead of App Mesh VirtualNodes, VirtualRouters and VirtualServices'
    : 'the Canary named no provider, so the operator default (--mesh-provider, App Mesh) applied; it is named now, so the default can stay App Mesh for the Canaries not yet migrated';
  return [{ field: 'spec.provider', ...(named ? { before: named } : {}), after: TARGET_PROVIDER, why }];
}

function gatewayRefsRule(canary: Canary, service: Service, gateway: GatewayTarget): Change[] {
  const before = service.gatewayRefs;
  const ref = {
    name: gateway.name,
    namespace: gateway.namespace,
    ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}),
  };
  service.gatewayRefs = [ref];
  const why =
    'the Gateway the HTTPRoute attaches to (required by Gateway API)' +
    (gateway.namespace !== canary.metadata?.namespace
      ? `; its listener's allowedRoutes must admit the Canary's namespace`
      : '');
  return [
    { field: 'spec.service.gatewayRefs', ...(before ? { before: quote(before) } : {}), after: quote([ref]), why },
  ];
}

function appMeshOnlyRule(service: Service): Change[] {
  const changes: Change[] = [];
  if (service.backends !== undefined) {
    changes.push(
      dropped(
        'spec.service.backends',
        service.backends,
        "App Mesh VirtualNode backends (what the app may call through its sidecar) mean nothing to Gateway API; the app's calls are moved in Phase B",
      ),
    );
    delete service.backends;
  }
  if (service.meshName !== undefined) {
    changes.push(
      dropped('spec.service.meshName', service.meshName, 'App Mesh only: there is no mesh behind a Gateway'),
    );
    delete service.meshName;
  }
  if (service.retries !== undefined) {
    changes.push(
      dropped(
        'spec.service.retries',
        service.retries,
        'retries are not rendered for Gateway API (no retry policy in its HTTPRoute): move retries into the clients',
      ),
    );
    delete service.retries;
  }
  return changes;
}

function serviceRules(service: Service, lattice: boolean): Change[] {
  const changes: Change[] = [];
  for (const field of ['timeout', 'backendTimeout'] as const) {
    const value = service[field];
    if (value === undefined) continue;
    const target = field === 'timeout' ? 'request' : 'backendRequest';
    changes.push(
      kept(
        `spec.service.${field}`,
        value,
        lattice
          ? `rendered as the HTTPRoute's timeouts.${target}, which VPC Lattice ignores: no timeout applies; move it into the clients`
          : `rendered as the HTTPRoute's timeouts.${target} instead of App Mesh's route timeout`,
      ),
    );
  }
  for (const field of ['headers', 'rewrite', 'corsPolicy'] as const) {
    if (lattice && service[field] !== undefined) {
      changes.push(
        kept(`spec.service.${field}`, service[field], 'rendered as an HTTPRoute filter, which VPC Lattice ignores'),
      );
    }
  }
  const hosts = service.hosts;
  if (hosts !== undefined && hosts.length > 0) {
    const why = lattice
      ? `the HTTPRoute's hostnames; VPC Lattice makes the first (${hosts[0] ?? ''}) the service's custom domain, which cannot be changed later: choose it carefully`
      : "the HTTPRoute's hostnames instead of App Mesh gateway annotations";
    changes.push(kept('spec.service.hosts', hosts, why));
  }
  return changes;
}

function matchRules(canary: Canary, service: Service, lattice: boolean): Change[] {
  const changes: Change[] = [];
  if (service.match !== undefined) {
    const migrated = migrateMatches('spec.service.match', service.match, lattice);
    changes.push(...migrated.changes);
    if (migrated.matches.length > 0) service.match = migrated.matches;
    else delete service.match;
  }
  const analysis = canary.spec.analysis;
  if (analysis?.match !== undefined) {
    const migrated = migrateMatches('spec.analysis.match', analysis.match, lattice);
    changes.push(...migrated.changes);
    if (migrated.matches.length > 0) analysis.match = migrated.matches;
    else {
      delete analysis.match;
      changes.push({
        field: 'spec.analysis.match',
        why: 'no A/B condition is left: with iterations the canary now runs as blue/green, without it as a weighted canary',
      });
    }
  }
  const abCount = analysis?.match?.length ?? 0;
  if (lattice && abCount * Math.max(service.match?.length ?? 1, 1) > 1) {
    changes.push({
      field: 'spec.analysis.match',
      why: 'VPC Lattice takes one match per rule (LATTICE_NO_SUPPORT_FOR_MULTIPLE_MATCHES): keep one analysis match and at most one service match',
    });
  }
  return changes;
}

function analysisRules(canary: Canary, lattice: boolean): Change[] {
  const analysis = canary.spec.analysis;
  if (analysis === undefined) return [];
  const changes: Change[] = [];
  if (analysis.sessionAffinity !== undefined) {
    if (lattice) {
      changes.push(
        dropped(
          'spec.analysis.sessionAffinity',
          analysis.sessionAffinity,
          'VPC Lattice cannot match the Cookie header by regex nor set cookies (filters are ignored)',
        ),
      );
      delete analysis.sessionAffinity;
    } else {
      changes.push(
        kept(
          'spec.analysis.sessionAffinity',
          analysis.sessionAffinity,
          'Gateway API pins users by cookie (App Mesh could not: the canary was refused with FeatureNotSupported)',
        ),
      );
    }
  }
  if (lattice && analysis.mirror === true) {
    changes.push(kept('spec.analysis.mirror', true, 'rendered as a RequestMirror filter, which VPC Lattice ignores'));
  }
  const interval = analysis.interval === undefined ? undefined : nonNegativeDurationMs(analysis.interval);
  if (lattice && interval !== undefined && interval < LATTICE_MIN_INTERVAL_MS) {
    changes.push(
      kept(
        'spec.analysis.interval',
        analysis.interval,
        'VPC Lattice applies weight changes later than Envoy did (not measured by AWS): use an interval of at least 1–2m (2–5m with CloudWatch metrics)',
      ),
    );
  }
  return changes;
}

function accessLogRule(canary: Canary): Change[] {
  const metadata = canary.metadata;
  const value = metadata?.annotations?.[ACCESS_LOG_ANNOTATION];
  if (metadata === undefined || value === undefined) return [];
  const rest = Object.entries(metadata.annotations ?? {}).filter(([key]) => key !== ACCESS_LOG_ANNOTATION);
  const others = Object.fromEntries(Object.entries(metadata).filter(([key]) => key !== 'annotations'));
  canary.metadata = rest.length > 0 ? { ...others, annotations: Object.fromEntries(rest) } : others;
  return [
    dropped(
      `metadata.annotations.${ACCESS_LOG_ANNOTATION}`,
      value,
      "turns on the App Mesh VirtualNode's Envoy access log; there is no Envoy behind a Gateway: use an AccessLogPolicy on the Gateway or the route",
    ),
  ];
}

function metricsRule(canary: Canary): Change[] {
  return (canary.spec.analysis?.metrics ?? []).flatMap((metric, i) =>
    metricSourceOf(metric) === 'builtin' && metric.templateRef === undefined
      ? [
          kept(
            `spec.analysis.metrics[${i}].name`,
            metric.name,
            "the builtin check now reads the app's own http_request_duration_seconds histogram (label status) of the canary pods instead of Envoy's envoy_cluster_upstream_rq* series: the app must export it, or use a MetricTemplate",
          ),
        ]
      : [],
  );
}
