/**
 * The providers this Serin knows, in the order the registry matches them. A plugin without
 * `createRouter` would be known for its builtin metric queries but not route yet (a Canary naming
 * it is told so on its status). To add a provider, write its router and its plugin and list it here.
 */
import { APPMESH_PROVIDER } from './appmesh.js';
import { GATEWAY_API_PROVIDER, GATEWAY_API_V1BETA1_PROVIDER } from './gatewayapi.js';
import { KUBERNETES_PROVIDER } from './kubernetes.js';
import { ProviderRegistry, type ProviderPlugin } from './registry.js';

/** Every provider plugin of this Serin. */
export function builtinProviders(): readonly ProviderPlugin[] {
  return [APPMESH_PROVIDER, GATEWAY_API_PROVIDER, GATEWAY_API_V1BETA1_PROVIDER, KUBERNETES_PROVIDER];
}

/** The registry of {@link builtinProviders} with the operator's default provider. */
export function providerRegistry(defaultProvider: string): ProviderRegistry {
  return new ProviderRegistry(builtinProviders(), defaultProvider);
}
