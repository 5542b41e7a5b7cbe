/**
 * The providers this Serin knows, in the order the registry matches them. A provider without
 * `createRouter` is known for its builtin metric queries but cannot route yet: a Canary naming it
 * is told so on its status. To add a provider, write its router and its plugin and list it here.
 */
import { MeshProvider } from '../api/index.js';
import { APPMESH_PROVIDER } from './appmesh.js';
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

/** Gateway API HTTPRoutes (`gatewayapi:v1`, `gatewayapi:v1beta1`). */
const GATEWAY_API_PROVIDER: ProviderPlugin = Object.freeze({
  name: MeshProvider.GatewayApiV1,
  matches: (p: string) => p.startsWith('gatewayapi'),
  capabilities: { weights: true, headerMatch: true, mirroring: true, sessionAffinity: true },
  routesBeforePrimary: false,
  builtinSeries: BuiltinSeries.Http,
  api: 'Gateway API gateway.networking.k8s.io/v1',
  kinds: [],
});

/** Every provider plugin of this Serin. */
export function builtinProviders(): readonly ProviderPlugin[] {
  return [APPMESH_PROVIDER, KUBERNETES_PROVIDER, GATEWAY_API_PROVIDER];
}

/** The registry of {@link builtinProviders} with the operator's default provider. */
export function providerRegistry(defaultProvider: string): ProviderRegistry {
  return new ProviderRegistry(builtinProviders(), defaultProvider);
}
