/**
 * The provider registry: one place that knows, for every routing provider name a Canary may use
 * (`spec.provider`, else `--mesh-provider`), its router, whether its routing objects must exist
 * before the primary starts, which series its builtin metrics read, which kinds it owns, and what
 * it can do. The operator, `serin simulate`, `serin check` and the builtin metric queries ask it;
 * nothing else interprets a provider name. The registry is built at the composition root from an
 * explicit list ({@link builtinProviders}); adding a provider is adding a plugin to that list.
 */
import type { Canary } from '../api/index.js';
import type { Problem } from '../lib/result.js';
import type { RoutingCapabilities } from '../engine/model.js';
import type { Cluster } from '../kube/cluster.js';
import type { Gvk, ObjectRef } from '../kube/objects.js';
import type { TrafficRouter } from './router.js';

/** Which family of series the builtin checks (`request-success-rate`, `request-duration`) read. */
export const BuiltinSeries = {
  /** Envoy's `envoy_cluster_upstream_rq*` (App Mesh sidecars). */
  AppMesh: 'appmesh',
  /** The app's own `http_request_duration_seconds` histogram (kubernetes, Gateway API). */
  Http: 'http',
} as const;
/** Union of {@link BuiltinSeries} values. */
export type BuiltinSeries = (typeof BuiltinSeries)[keyof typeof BuiltinSeries];

/** What a provider can do, without its name (the name in effect is added per canary). */
export type ProviderCapabilities = Omit<RoutingCapabilities, 'provider'>;

/** One routing provider: its names, what it can do, and how to build its router. */
export interface ProviderPlugin {
  /** Its canonical name, as Serin writes it in messages (`appmesh:v1beta2`). */
  readonly name: string;
  /** Whether a Canary's provider name selects this plugin (Flagger matches some by prefix). */
  readonly matches: (provider: string) => boolean;
  readonly capabilities: ProviderCapabilities;
  /**
   * Its routing objects must exist before the primary's pods start (App Mesh: the sidecar injector
   * rejects pods no VirtualNode selects). Otherwise they are made once the primary exists.
   */
  readonly routesBeforePrimary: boolean;
  /** Series of the builtin metric checks for this provider. */
  readonly builtinSeries: BuiltinSeries;
  /** The API its routing objects belong to, for messages (`App Mesh API appmesh.k8s.aws/v1beta2`). */
  readonly api?: string;
  /** Kinds its router reads and owns: the operator caches them and reconciles on their changes. */
  readonly kinds: readonly Gvk[];
  /**
   * Objects its routing attaches to that must already exist (the Gateways of `service.gatewayRefs`),
   * for `serin check`; absent when there are none.
   */
  readonly parents?: (canary: Canary) => readonly ObjectRef[];
  /** Builds its router; absent for a provider Serin knows (its builtin metrics) but does not route yet. */
  readonly createRouter?: (deps: { readonly cluster: Cluster }) => TrafficRouter;
}

/** The provider in effect for one canary. */
export interface ResolvedProvider {
  /** `spec.provider`, else the operator default. */
  readonly name: string;
  /** True when the name came from the operator default (`--mesh-provider`). */
  readonly isDefault: boolean;
  /** The plugin, or undefined when Serin knows no provider of that name. */
  readonly plugin: ProviderPlugin | undefined;
  /** What the engine needs to know about it (all false for an unknown provider). */
  readonly routing: RoutingCapabilities;
}

const NO_CAPABILITIES: ProviderCapabilities = Object.freeze({
  weights: false,
  headerMatch: false,
  mirroring: false,
  sessionAffinity: false,
});

/** Provider name → plugin, with the operator's default provider. Immutable. */
export class ProviderRegistry {
  private readonly plugins: readonly ProviderPlugin[];
  /** What {@link resolve} found for each frozen spec. */
  private readonly resolved = new WeakMap<object, ResolvedProvider>();

  constructor(
    plugins: readonly ProviderPlugin[],
    /** Provider of Canaries that name none (`--mesh-provider`). */
    readonly defaultProvider: string,
  ) {
    this.plugins = Object.freeze([...plugins]);
  }

  /** The plugin a provider name selects, or undefined. */
  lookup(provider: string): ProviderPlugin | undefined {
    return this.plugins.find((p) => p.matches(provider));
  }

  /** The provider in effect for `canary` (found once per frozen spec: it follows from the spec alone). */
  resolve(canary: Canary): ResolvedProvider {
    const spec = canary.spec as object | undefined;
    if (!spec || !Object.isFrozen(spec)) return this.find(canary);
    let resolved = this.resolved.get(spec);
    if (!resolved) this.resolved.set(spec, (resolved = Object.freeze(this.find(canary))));
    return resolved;
  }

  private find(canary: Canary): ResolvedProvider {
    const named: string | undefined = canary.spec?.provider;
    const isDefault = named === undefined || named === '';
    const name = isDefault ? this.defaultProvider : named;
    const plugin = this.lookup(name);
    const routing = Object.freeze({ provider: name, ...(plugin?.capabilities ?? NO_CAPABILITIES) });
    return { name, isDefault, plugin, routing };
  }

  /**
   * What the canary asks for that its provider cannot do (`analysis.mirror`, `analysis.sessionAffinity`),
   * as a problem with the fix, or undefined. Never silently less: Flagger ignores such a field, and a
   * mirror step that never takes effect repeats forever at weight 0.
   */
  featureProblem(canary: Canary, provider: ResolvedProvider = this.resolve(canary)): Problem | undefined {
    const analysis = canary.spec?.analysis;
    const wants = [
      ...(analysis?.mirror === true ? (['mirroring'] as const) : []),
      ...(analysis?.sessionAffinity ? (['sessionAffinity'] as const) : []),
    ];
    const missing = wants.filter((w) => !provider.routing[w]);
    if (missing.length === 0) return undefined;
    const fields = missing.map((w) => (w === 'mirroring' ? 'analysis.mirror' : 'analysis.sessionAffinity'));
    const able = this.plugins.filter((p) => p.createRouter && wants.every((w) => p.capabilities[w])).map((p) => p.name);
    return {
      message: `${describeProvider(provider)} cannot do ${fields.join(' and ')}`,
      fix: `remove ${fields.join(' and ')}${able.length > 0 ? `, or use a provider that can (${able.join(', ')})` : ''}`,
    };
  }

  /** Every plugin, in registration order. */
  all(): readonly ProviderPlugin[] {
    return this.plugins;
  }

  /** Names of the providers Serin can route, for messages ("use appmesh:v1beta2, …"). */
  routable(): string[] {
    return this.plugins.filter((p) => p.createRouter).map((p) => p.name);
  }

  /** Every kind some router owns, once each. */
  kinds(): Gvk[] {
    const seen = new Map<string, Gvk>();
    for (const gvk of this.plugins.flatMap((p) => p.kinds)) seen.set(`${gvk.apiVersion}/${gvk.kind}`, gvk);
    return [...seen.values()];
  }
}

/**
 * The routers of one operator: one instance per routable plugin whose kinds the cluster serves.
 * A plugin whose kinds are not served has no router and a reason instead.
 */
export class RouterSet {
  private readonly routers = new Map<ProviderPlugin, TrafficRouter>();

  constructor(
    readonly registry: ProviderRegistry,
    cluster: Cluster,
    /** Whether the cluster serves a kind; default: every kind is served. */
    served: (gvk: Gvk) => boolean = () => true,
  ) {
    for (const plugin of registry.all()) {
      if (plugin.createRouter && plugin.kinds.every(served)) this.routers.set(plugin, plugin.createRouter({ cluster }));
    }
  }

  /** The router for a resolved provider, or why there is none (with the fix). */
  routerFor(
    provider: ResolvedProvider,
  ):
    | { readonly ok: true; readonly router: TrafficRouter }
    | { readonly ok: false; readonly message: string; readonly fix: string } {
    const { plugin, name } = provider;
    const router = plugin ? this.routers.get(plugin) : undefined;
    if (router) return { ok: true, router };
    if (!plugin || !plugin.createRouter) {
      return {
        ok: false,
        message: `${describeProvider(provider)} is not supported by this Serin`,
        fix: provider.isDefault
          ? `start Serin with --mesh-provider ${this.registry.routable().join(' or ')}, or set spec.provider`
          : `set spec.provider to ${this.registry.routable().join(' or ')}, or run a Serin that supports ${name}`,
      };
    }
    return {
      ok: false,
      message: `${describeProvider(provider)} needs the ${plugin.api ?? `${name} routing API`}, which this cluster does not serve`,
      fix: `install its CRDs (${plugin.kinds.map((k) => k.kind).join(', ')}) and restart Serin, or choose another provider`,
    };
  }
}

/** `provider <name>`, saying when the name is the operator's default. */
export function describeProvider(provider: ResolvedProvider): string {
  return provider.isDefault ? `provider ${provider.name} (--mesh-provider default)` : `provider ${provider.name}`;
}
