import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import type { Canary } from '../../src/api/index.js';
import type { Cluster } from '../../src/kube/cluster.js';
import type { Gvk, KubeObject } from '../../src/kube/objects.js';
import { GatewayApiRouter } from '../../src/routers/gatewayapi.js';
import { HTTP_ROUTE_V1 } from '../../src/routers/gatewayapi-route.js';
import { cached, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const server = KubernetesObjectApi.makeApiClient(kc);
const CANARY: Gvk = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' };
const target = { labelKey: 'app', labelValue: 'podinfo', ports: {} };

interface Route extends KubeObject {
  spec: { rules: { matches?: unknown[]; filters?: unknown[]; backendRefs: { name: string; weight: number }[] }[] };
}

function canarySpec(analysis: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'gatewayapi:v1',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: {
      port: 9898,
      hosts: ['app.example.com'],
      gatewayRefs: [{ name: 'public', namespace: 'gateways' }],
      timeout: '15s',
      headers: { request: { set: { 'x-b': '2', 'x-a': '1' } } },
    },
    analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50, ...analysis },
  };
}

/** A fresh namespace with a cache of Canaries and HTTPRoutes, and a Canary created there. */
async function setup(t: TestContext, spec = canarySpec()): Promise<{ ns: string; cluster: Cluster; canary: Canary }> {
  const ns = await freshNamespace(t, kc, 'gwapi');
  const cluster = await startApiCluster(t, [CANARY, HTTP_ROUTE_V1], ns);
  const created = await cluster.create({ ...CANARY, metadata: { name: 'podinfo', namespace: ns }, spec });
  return { ns, cluster, canary: created as unknown as Canary };
}

/** The router as the registry builds it for `gatewayapi:v1`. */
const v1Router = (cluster: Cluster) =>
  new GatewayApiRouter(
    { cluster },
    {
      apiVersion: HTTP_ROUTE_V1.apiVersion,
      timeouts: true,
      cors: true,
      primaryCookies: true,
    },
  );

const weights = (route: Route | undefined) =>
  route?.spec.rules.map((r) => Object.fromEntries(r.backendRefs.map((b) => [b.name, b.weight])));

async function resourceVersion(ns: string): Promise<string | undefined> {
  const live = await server.read({ ...HTTP_ROUTE_V1, metadata: { name: 'podinfo', namespace: ns } });
  return live.metadata?.resourceVersion;
}

describe('GatewayApiRouter on the real API server with the Gateway API CRDs', () => {
  test('the HTTPRoute is accepted by the CRD, owned by the Canary, all traffic on the primary', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const router = v1Router(cluster);
    assert.deepEqual(await router.reconcile(canary, target), { ok: true, value: undefined });
    const route = await cached('the HTTPRoute', () =>
      cluster.get<Route>({ ...HTTP_ROUTE_V1, namespace: ns, name: 'podinfo' }),
    );
    assert.equal(route.metadata.ownerReferences?.[0]?.kind, 'Canary');
    assert.deepEqual(weights(route), [{ 'podinfo-primary': 100, 'podinfo-canary': 0 }]);
    assert.deepEqual((route.spec as Record<string, unknown>).hostnames, ['app.example.com']);
    assert.deepEqual((route.spec as Record<string, unknown>).parentRefs, [
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways' },
    ]);
    assert.deepEqual(route.spec.rules[0]?.filters, [
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: {
          set: [
            { name: 'x-a', value: '1' },
            { name: 'x-b', value: '2' },
          ],
        },
      },
    ]);
    assert.deepEqual(router.routes(canary), { primary: 100, canary: 0, mirrored: false });
  });

  test('weights are set, and a steady route is never rewritten despite what the API server defaults', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const router = v1Router(cluster);
    await router.reconcile(canary, target);
    await cached('the HTTPRoute', () => cluster.get({ ...HTTP_ROUTE_V1, namespace: ns, name: 'podinfo' }));
    await router.setRoutes(canary, { primary: 60, canary: 40, mirrored: false });
    await cached('weights 60/40 in the cache', () => {
      const r = router.routes(canary);
      return 'error' in r || r.canary !== 40 ? undefined : r;
    });
    const before = await resourceVersion(ns);
    for (let i = 0; i < 3; i++) {
      await router.reconcile(canary, target);
      await router.setRoutes(canary, { primary: 60, canary: 40, mirrored: false });
    }
    assert.equal(await resourceVersion(ns), before, 'no write when nothing changed');
  });

  test("another controller's annotations, labels and finalizers stay, and cause no rewrite (Flagger #1732)", async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const router = v1Router(cluster);
    await router.reconcile(canary, target);
    const ref = { ...HTTP_ROUTE_V1, namespace: ns, name: 'podinfo' };
    await cached('the HTTPRoute', () => cluster.get(ref));
    await cluster.patch(ref, {
      metadata: {
        annotations: { 'application-networking.k8s.aws/lattice-assigned-domain-name': 'podinfo.lattice.aws' },
        labels: { 'lattice/owned': 'yes' },
        finalizers: ['httproute.k8s.aws/resources'],
      },
    });
    t.after(() => cluster.patch(ref, { metadata: { finalizers: null } }).catch(() => undefined));
    await cached(
      'the foreign finalizer in the cache',
      () => cluster.get(ref)?.metadata.finalizers?.length || undefined,
    );
    const before = await resourceVersion(ns);
    await router.reconcile(canary, target);
    assert.equal(await resourceVersion(ns), before, 'foreign metadata is no difference');
    await router.setRoutes(canary, { primary: 80, canary: 20, mirrored: false });
    const live = await cached('weights 80/20', () => {
      const r = cluster.get<Route>(ref);
      return weights(r)?.[0]?.['podinfo-canary'] === 20 ? r : undefined;
    });
    assert.equal(
      live.metadata.annotations?.['application-networking.k8s.aws/lattice-assigned-domain-name'],
      'podinfo.lattice.aws',
    );
    assert.equal(live.metadata.labels?.['lattice/owned'], 'yes');
    assert.deepEqual(live.metadata.finalizers, ['httproute.k8s.aws/resources']);
  });

  test('A/B testing: matched requests go to the canary, the rest to the primary', async (t) => {
    const spec = canarySpec({
      stepWeight: undefined,
      maxWeight: undefined,
      iterations: 5,
      match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
    });
    const { ns, cluster, canary } = await setup(t, JSON.parse(JSON.stringify(spec)) as Record<string, unknown>);
    const router = v1Router(cluster);
    await router.reconcile(canary, target);
    await router.setRoutes(canary, { primary: 0, canary: 100, mirrored: false });
    const route = await cached('the A/B rules', () => {
      const r = cluster.get<Route>({ ...HTTP_ROUTE_V1, namespace: ns, name: 'podinfo' });
      return weights(r)?.[0]?.['podinfo-canary'] === 100 ? r : undefined;
    });
    assert.deepEqual(weights(route), [{ 'podinfo-primary': 0, 'podinfo-canary': 100 }, { 'podinfo-primary': 100 }]);
    assert.deepEqual(route.spec.rules[0]?.matches, [
      { path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-canary', value: 'insider' }] },
    ]);
    assert.deepEqual(router.routes(canary), { primary: 0, canary: 100, mirrored: false });
  });

  test("a parent that has not accepted the route's generation makes the weights untrusted", async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const router = v1Router(cluster);
    await router.reconcile(canary, target);
    const ref = { ...HTTP_ROUTE_V1, namespace: ns, name: 'podinfo' };
    const route = await cached('the HTTPRoute', () => cluster.get<KubeObject>(ref));
    const parent = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways' };
    const condition = (status: string) => ({
      type: 'Accepted',
      status,
      reason: status === 'True' ? 'Accepted' : 'NotAllowedByListeners',
      message: 'as the gateway controller says',
      observedGeneration: route.metadata.generation ?? 1,
      lastTransitionTime: new Date().toISOString(),
    });
    const report = (status: string) =>
      cluster.updateStatus({
        ...(cluster.get(ref) as KubeObject),
        status: {
          parents: [{ parentRef: parent, controllerName: 'example.com/gateway', conditions: [condition(status)] }],
        },
      });
    await report('False');
    const refused = await cached('the refusal in the cache', () => {
      const r = router.routes(canary);
      return 'error' in r ? r : undefined;
    });
    assert.match(
      refused.error,
      /^HTTPRoute podinfo\.gwapi-\S+ parent public is not ready \(status: False, observed generation: 1, current generation: 1\)$/,
    );
    await report('True');
    await cached('accepted', () => {
      const r = router.routes(canary);
      return 'error' in r ? undefined : r;
    });
  });

  test('a Canary without gatewayRefs is told what to set', async (t) => {
    const spec = canarySpec();
    delete (spec.service as Record<string, unknown>).gatewayRefs;
    const { cluster, canary } = await setup(t, spec);
    const router = v1Router(cluster);
    const result = await router.reconcile(canary, target);
    assert.ok(!result.ok);
    assert.match(result.problem.message, /GatewayRefs must be specified when using Gateway API as a provider\.$/);
    assert.equal(result.problem.fix, 'set spec.service.gatewayRefs to the Gateway(s) the HTTPRoute attaches to');
  });
});
