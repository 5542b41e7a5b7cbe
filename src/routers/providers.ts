/**
 * The providers this Serin knows, in the order the registry matches them. A provider without
 * `createRouter` is known for its builtin metric queries but cannot route yet: a Canary naming it
 * is told so on its status. To add a provider, write its router and its plugin and list it here.
 */
import { MeshProvider } from '../api/index.js';
import { APPMESH_PROVIDER } from './appmesh.js';
import { GATEWAY_API_PROVIDER, GATEWAY_API_V1BETA1_PROVIDER } from './gatewayapi.js';
import { BuiltinSeries, ProviderRegistry, type ProviderPlugin } from './registry.js';

/** Flagger's `kubernetes` provider: blue/green by switching Services, no weights, no matches. */
const KUBERNETES_PROVIDER: ProviderPlugin = Object.freeze({
  name: MeshProvider.Kubernetes,
  matches: (p: string) => p === MeshProvider.Kubernetes || p.startsWith(`${MeshProvider.Kubernetes}:`),
  capabilities: { weights: false, headerMatch: false, mirroring: false, sessionAffinity: false },
  routesBeforePrimary: false,
  builtinSeries: BuiltinSeries.Http,
  kinds: [],
});

/** Every provider plugin of this Serin. */
export function builtinProviders(): readonly ProviderPlugin[] {
  return [APPMESH_PROVIDER, GATEWAY_API_PROVIDER, GATEWAY_API_V1BETA1_PROVIDER, KUBERNETES_PROVIDER];
}

/** The registry of {@link builtinProviders} with the operator's default provider. */
export function providerRegistry(defaultProvider: string): ProviderRegistry {
  return new ProviderRegistry(builtinProviders(), defaultProvider);
}
