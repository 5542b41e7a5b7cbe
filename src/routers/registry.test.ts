import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import { providerRegistry } from './providers.js';
import { RouterSet } from './registry.js';

const canary = (provider?: string): Canary =>
  ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      ...(provider === undefined ? {} : { provider }),
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' },
    },
  }) as Canary;

test('the provider in effect is spec.provider, else the operator default', () => {
  const registry = providerRegistry('appmesh:v1beta2');
  assert.equal(registry.resolve(canary()).name, 'appmesh:v1beta2');
  assert.equal(registry.resolve(canary()).isDefault, true);
  assert.equal(registry.resolve(canary('')).isDefault, true, 'an empty provider is no provider');
  assert.equal(registry.resolve(canary('kubernetes')).name, 'kubernetes');
  assert.equal(registry.resolve(canary('kubernetes')).isDefault, false);
});

test('names match as Flagger matches them: appmesh and appmesh:v1beta2*, gatewayapi*, kubernetes', () => {
  const registry = providerRegistry('appmesh:v1beta2');
  assert.equal(registry.lookup('appmesh')?.name, 'appmesh:v1beta2');
  assert.equal(registry.lookup('appmesh:v1beta2')?.name, 'appmesh:v1beta2');
  assert.equal(registry.lookup('gatewayapi:v1beta1')?.name, 'gatewayapi:v1beta1');
  assert.equal(registry.lookup('gatewayapi:v1')?.name, 'gatewayapi:v1');
  assert.equal(registry.lookup('gatewayapi')?.name, 'gatewayapi:v1');
  assert.equal(registry.lookup('kubernetes')?.name, 'kubernetes');
  assert.equal(registry.lookup('istio'), undefined);
});

test('the engine gets capabilities with the name in effect; an unknown provider can do nothing', () => {
  const registry = providerRegistry('appmesh:v1beta2');
  assert.deepEqual(registry.resolve(canary('appmesh')).routing, {
    provider: 'appmesh',
    weights: true,
    headerMatch: true,
    mirroring: false,
    sessionAffinity: false,
  });
  assert.equal(registry.resolve(canary('kubernetes')).routing.weights, false);
  assert.deepEqual(registry.resolve(canary('istio')).routing, {
    provider: 'istio',
    weights: false,
    headerMatch: false,
    mirroring: false,
    sessionAffinity: false,
  });
});

test('App Mesh objects must exist before the primary, HTTPRoutes after; kinds are cached once each', () => {
  const registry = providerRegistry('appmesh:v1beta2');
  assert.equal(registry.lookup('appmesh')?.routesBeforePrimary, true);
  assert.equal(registry.lookup('gatewayapi:v1')?.routesBeforePrimary, false);
  assert.deepEqual(
    registry.kinds().map((k) => `${k.apiVersion} ${k.kind}`),
    [
      'appmesh.k8s.aws/v1beta2 VirtualNode',
      'appmesh.k8s.aws/v1beta2 VirtualRouter',
      'appmesh.k8s.aws/v1beta2 VirtualService',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'gateway.networking.k8s.io/v1beta1 HTTPRoute',
    ],
  );
});

test('a provider Serin does not route is refused with a fix that fits where the name came from', () => {
  const routers = new RouterSet(providerRegistry('istio'), new MemoryCluster({ now: () => 0 }));
  const fromDefault = routers.routerFor(routers.registry.resolve(canary()));
  assert.ok(!fromDefault.ok);
  assert.equal(fromDefault.message, 'provider istio (--mesh-provider default) is not supported by this Serin');
  assert.match(
    fromDefault.fix,
    /^start Serin with --mesh-provider appmesh:v1beta2 or gatewayapi:v1 or gatewayapi:v1beta1 or kubernetes, or set spec\.provider$/,
  );
  const named = routers.routerFor(routers.registry.resolve(canary('linkerd')));
  assert.ok(!named.ok);
  assert.equal(named.message, 'provider linkerd is not supported by this Serin');
  assert.equal(
    named.fix,
    'set spec.provider to appmesh:v1beta2 or gatewayapi:v1 or gatewayapi:v1beta1 or kubernetes, or run a Serin that supports linkerd',
  );
});

test('a provider whose CRDs the cluster does not serve has no router, and says which API is missing', () => {
  const routers = new RouterSet(providerRegistry('appmesh:v1beta2'), new MemoryCluster({ now: () => 0 }), () => false);
  const none = routers.routerFor(routers.registry.resolve(canary('appmesh:v1beta2')));
  assert.ok(!none.ok);
  assert.equal(
    none.message,
    'provider appmesh:v1beta2 needs the App Mesh API appmesh.k8s.aws/v1beta2, which this cluster does not serve',
  );
  const served = new RouterSet(providerRegistry('appmesh:v1beta2'), new MemoryCluster({ now: () => 0 }));
  assert.ok(served.routerFor(served.registry.resolve(canary())).ok);
});

test('a canary asking for mirroring or session affinity its provider cannot do is told which providers can', () => {
  const registry = providerRegistry('appmesh:v1beta2');
  const mirrored = { ...canary(), spec: { ...canary().spec, analysis: { mirror: true } } } as Canary;
  assert.deepEqual(registry.featureProblem(mirrored), {
    message: 'provider appmesh:v1beta2 (--mesh-provider default) cannot do analysis.mirror',
    fix: 'remove analysis.mirror, or use a provider that can (gatewayapi:v1, gatewayapi:v1beta1)',
  });
  const onGateway = { ...mirrored, spec: { ...mirrored.spec, provider: 'gatewayapi:v1' } } as Canary;
  assert.equal(registry.featureProblem(onGateway), undefined);
  const sticky = {
    ...canary('kubernetes'),
    spec: { ...canary('kubernetes').spec, analysis: { sessionAffinity: { cookieName: 'c' } } },
  } as Canary;
  assert.deepEqual(registry.featureProblem(sticky), {
    message: 'provider kubernetes cannot do analysis.sessionAffinity',
    fix: 'remove analysis.sessionAffinity, or use a provider that can (gatewayapi:v1, gatewayapi:v1beta1)',
  });
  const stickyOnGateway = { ...sticky, spec: { ...sticky.spec, provider: 'gatewayapi:v1' } } as Canary;
  assert.equal(registry.featureProblem(stickyOnGateway), undefined);
});
