import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import type { Canary } from '../../src/api/index.js';
import { parseManifests } from '../../src/kube/apply.js';
import type { Cluster } from '../../src/kube/cluster.js';
import type { Gvk, KubeObject, ObjectRef } from '../../src/kube/objects.js';
import { APPMESH_KINDS, AppMeshRouter } from '../../src/routers/appmesh.js';
import { desiredVirtualNode, desiredVirtualRouter } from '../../src/routers/appmesh-objects.js';
import type { VirtualNode, VirtualRouter, VirtualService } from '../../src/routers/appmesh-types.js';
import { KubernetesServices } from '../../src/routers/kubernetes-services.js';
import { cached, eventually, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const server = KubernetesObjectApi.makeApiClient(kc);
const CANARY: Gvk = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' };
const SERVICE: Gvk = { apiVersion: 'v1', kind: 'Service' };
const target = { labelKey: 'app', labelValue: 'account', ports: {} };
const ARN = 'arn:aws:appmesh:ap-northeast-2:170247361816:mesh/global/virtualService';

/** A fresh namespace, a cache of the routers' kinds in it, and the seed's Canary created there. */
async function setup(t: TestContext): Promise<{ ns: string; cluster: Cluster; canary: Canary }> {
  const ns = await freshNamespace(t, kc, 'routers');
  const cluster = await startApiCluster(t, [CANARY, SERVICE, ...APPMESH_KINDS], ns);
  const file = resolve(import.meta.dirname, '../../examples/seed/canary.yaml');
  const [seed] = parseManifests(await readFile(file, 'utf8'), file) as unknown as KubeObject[];
  const canary = await cluster.create({ ...seed!, metadata: { ...seed!.metadata, namespace: ns } });
  return { ns, cluster, canary: canary as unknown as Canary };
}

function ref(gvk: Gvk, namespace: string, name: string): ObjectRef {
  return { ...gvk, namespace, name };
}

/** resourceVersion straight from the API server (the cache may lag a write). */
async function liveVersion(r: ObjectRef): Promise<string | undefined> {
  const obj = await server.read({
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata: { name: r.name, namespace: r.namespace! },
  });
  return obj.metadata?.resourceVersion;
}

const [VN, VR, VS] = APPMESH_KINDS as [Gvk, Gvk, Gvk];

function allRefs(ns: string): ObjectRef[] {
  return [
    ref(VN, ns, 'account-primary'),
    ref(VN, ns, 'account-canary'),
    ref(VR, ns, 'account'),
    ref(VR, ns, 'account-canary'),
    ref(VS, ns, 'account'),
    ref(VS, ns, 'account-canary'),
  ];
}

function weightsOf(router: VirtualRouter | undefined): Record<string, number> {
  const targets = router?.spec.routes?.[0]?.httpRoute?.action.weightedTargets ?? [];
  return Object.fromEntries(targets.map((t) => [t.virtualNodeRef?.name ?? '?', t.weight]));
}

describe('AppMeshRouter on the real API server with the App Mesh CRDs', () => {
  test("the seed Canary's nodes, routers and services are stored as generated, owned by the Canary", async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const router = new AppMeshRouter({ cluster });
    assert.deepEqual(await router.reconcile(canary, target), { ok: true, value: undefined });

    const all = await cached('all six App Mesh objects', () => {
      const objs = allRefs(ns).map((r) => cluster.get(r));
      return objs.every(Boolean) ? (objs as KubeObject[]) : undefined;
    });
    for (const obj of all) {
      assert.deepEqual(obj.metadata.ownerReferences, [
        {
          apiVersion: 'flagger.app/v1beta1',
          kind: 'Canary',
          name: 'account',
          uid: canary.metadata?.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    const [primaryNode, canaryNode, apexRouter, canaryRouter, apexService, canaryService] = all as [
      VirtualNode,
      VirtualNode,
      VirtualRouter,
      VirtualRouter,
      VirtualService,
      VirtualService,
    ];
    // Nothing pruned by the CRD schema: the stored specs are exactly what Serin generated.
    assert.deepEqual(primaryNode.spec, desiredVirtualNode(canary, target, 'primary').spec);
    assert.deepEqual(apexRouter.spec, desiredVirtualRouter(canary, 'apex').spec);
    assert.equal(primaryNode.spec.serviceDiscovery?.dns?.hostname, `account-primary.${ns}.svc.cluster.local.`);
    assert.equal(canaryNode.spec.serviceDiscovery?.dns?.hostname, `account-canary.${ns}.svc.cluster.local.`);
    assert.deepEqual(primaryNode.spec.podSelector, { matchLabels: { app: 'account-primary' } });
    assert.deepEqual(canaryNode.spec.podSelector, { matchLabels: { app: 'account' } });
    assert.deepEqual(primaryNode.spec.listeners, [{ portMapping: { port: 8180, protocol: 'http' } }]);
    assert.deepEqual(canaryNode.spec.backends, [
      { virtualService: { virtualServiceARN: `${ARN}/mariadb-shop.shop-infra` } },
      { virtualService: { virtualServiceARN: `${ARN}/rabbitmq.shop-infra` } },
      { virtualService: { virtualServiceARN: `${ARN}/redis-session.shop-infra` } },
    ]);
    assert.deepEqual(weightsOf(apexRouter), { 'account-canary': 0, 'account-primary': 100 });
    assert.deepEqual(weightsOf(canaryRouter), { 'account-canary': 100, 'account-primary': 0 });
    assert.equal(apexService.spec.provider?.virtualRouter?.virtualRouterRef?.name, 'account');
    assert.equal(canaryService.spec.provider?.virtualRouter?.virtualRouterRef?.name, 'account-canary');
    assert.deepEqual(router.routes(canary), { primary: 100, canary: 0, mirrored: false });
  });

  test('an A/B canary with timeout, retries, match prefix and access logs is stored exactly as generated', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const ab = structuredClone(canary);
    ab.metadata = { ...ab.metadata, annotations: { 'appmesh.flagger.app/accesslog': 'enabled' } };
    Object.assign(ab.spec.service!, {
      timeout: '15s',
      retries: { attempts: 3, perTryTimeout: '5s', retryOn: 'gateway-error,client-error,stream-error' },
      match: [{ uri: { prefix: '/api' } }],
      hosts: ['account.example.com'],
    });
    ab.spec.analysis = {
      interval: '1m',
      threshold: 5,
      iterations: 10,
      match: [{ headers: { 'x-canary': { exact: 'insider' }, cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }],
    };
    assert.deepEqual(await new AppMeshRouter({ cluster }).reconcile(ab, target), { ok: true, value: undefined });
    const stored = await cached('the A/B objects', () => {
      const r = cluster.get<VirtualRouter>(ref(VR, ns, 'account'));
      const n = cluster.get<VirtualNode>(ref(VN, ns, 'account-canary'));
      const s = cluster.get<VirtualService>(ref(VS, ns, 'account'));
      return r && n && s ? { r, n, s } : undefined;
    });
    assert.deepEqual(stored.r.spec, desiredVirtualRouter(ab, 'apex').spec);
    assert.deepEqual(stored.n.spec, desiredVirtualNode(ab, target, 'canary').spec);
    assert.deepEqual(
      stored.r.spec.routes?.map((r) => r.name),
      ['account-a', 'account-b'],
    );
    assert.equal(stored.s.metadata.annotations?.['gateway.appmesh.k8s.aws/domain'], 'account.example.com,');
  });

  test('a second reconcile with nothing changed writes nothing', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const router = new AppMeshRouter({ cluster });
    await router.reconcile(canary, target);
    await cached('all six objects', () => (allRefs(ns).every((r) => cluster.get(r)) ? true : undefined));
    const before = await Promise.all(allRefs(ns).map(liveVersion));
    assert.deepEqual(await router.reconcile(canary, target), { ok: true, value: undefined });
    assert.deepEqual(await Promise.all(allRefs(ns).map(liveVersion)), before);
  });

  test('a routing object edited by hand is put right by the next reconcile, though the Canary did not change', async (t) => {
    const { ns, cluster } = await setup(t);
    const router = new AppMeshRouter({ cluster });
    // The Canary as the operator sees it: the cache's (frozen) object, the same one on every reconcile.
    const canary = await cached('the Canary', () => cluster.get<Canary>(ref(CANARY, ns, 'account')));
    assert.ok((await router.reconcile(canary, target)).ok);
    await cached('all six objects', () => (allRefs(ns).every((r) => cluster.get(r)) ? true : undefined));
    assert.ok((await router.reconcile(canary, target)).ok);
    const desiredNode = desiredVirtualNode(canary, target, 'primary').spec.listeners;
    const desiredRouter = desiredVirtualRouter(canary, 'canary').spec.listeners;

    // Someone edits the primary VirtualNode's and the canary VirtualRouter's listeners (kubectl edit).
    const wrongListeners = [{ portMapping: { port: 9999, protocol: 'http' } }];
    await cluster.patch(ref(VN, ns, 'account-primary'), { spec: { listeners: wrongListeners } });
    await cluster.patch(ref(VR, ns, 'account-canary'), { spec: { listeners: wrongListeners } });
    await cached('both edits in the cache', () =>
      cluster.get<VirtualNode>(ref(VN, ns, 'account-primary'))?.spec.listeners?.[0]?.portMapping.port === 9999 &&
      cluster.get<VirtualRouter>(ref(VR, ns, 'account-canary'))?.spec.listeners?.[0]?.portMapping.port === 9999
        ? true
        : undefined,
    );

    assert.deepEqual(await router.reconcile(canary, target), { ok: true, value: undefined });
    const node = await server.read({
      apiVersion: VN.apiVersion,
      kind: VN.kind,
      metadata: { name: 'account-primary', namespace: ns },
    });
    const canaryRouter = await server.read({
      apiVersion: VR.apiVersion,
      kind: VR.kind,
      metadata: { name: 'account-canary', namespace: ns },
    });
    assert.deepEqual((node as unknown as VirtualNode).spec.listeners, desiredNode);
    assert.deepEqual((canaryRouter as unknown as VirtualRouter).spec.listeners, desiredRouter);

    // Deleted by hand: created again by the next reconcile.
    await cluster.delete(ref(VS, ns, 'account-canary'));
    await cached('the VirtualService gone from the cache', () =>
      cluster.get(ref(VS, ns, 'account-canary')) ? undefined : true,
    );
    assert.ok((await router.reconcile(canary, target)).ok);
    assert.ok(await liveVersion(ref(VS, ns, 'account-canary')));
  });

  test('setRoutes round-trips through the cache, and reconcile keeps the live weights and the mesh fields', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const router = new AppMeshRouter({ cluster });
    await router.reconcile(canary, target);
    await cached('the apex router', () => cluster.get(ref(VR, ns, 'account')));

    await router.setRoutes(canary, { primary: 60, canary: 40, mirrored: false });
    const split = await cached('weights 60/40 in the cache', () => {
      const routes = router.routes(canary);
      return 'primary' in routes && routes.primary === 60 ? routes : undefined;
    });
    assert.deepEqual(split, { primary: 60, canary: 40, mirrored: false });

    // Play the App Mesh webhook, which fills awsName and meshRef on create.
    const meshRef = { name: 'global', uid: 'mesh-uid' };
    await cluster.patch(ref(VR, ns, 'account'), { spec: { awsName: `account_${ns}`, meshRef } });
    await cluster.patch(ref(VN, ns, 'account-primary'), { spec: { awsName: `account-primary_${ns}`, meshRef } });
    await cached('mesh fields in the cache', () =>
      cluster.get<VirtualRouter>(ref(VR, ns, 'account'))?.spec.awsName &&
      cluster.get<VirtualNode>(ref(VN, ns, 'account-primary'))?.spec.awsName
        ? true
        : undefined,
    );

    const unchanged = await liveVersion(ref(VR, ns, 'account'));
    await router.reconcile(canary, target);
    assert.equal(await liveVersion(ref(VR, ns, 'account')), unchanged, 'weights alone are no reason to write');

    const edited = structuredClone(canary);
    edited.spec.service!.timeout = '15s';
    assert.deepEqual(await router.reconcile(edited, target), { ok: true, value: undefined });
    const updated = await cached('the router with the new timeout', () => {
      const r = cluster.get<VirtualRouter>(ref(VR, ns, 'account'));
      return r?.spec.routes?.[0]?.httpRoute?.timeout ? r : undefined;
    });
    assert.deepEqual(updated.spec.routes?.[0]?.httpRoute?.timeout, { perRequest: { unit: 'ms', value: 15000 } });
    assert.deepEqual(weightsOf(updated), { 'account-canary': 40, 'account-primary': 60 });
    assert.equal(updated.spec.awsName, `account_${ns}`);
    assert.deepEqual(updated.spec.meshRef, meshRef);
    const node = await cached('the primary node with the new timeout', () => {
      const n = cluster.get<VirtualNode>(ref(VN, ns, 'account-primary'));
      return n?.spec.listeners?.[0]?.timeout ? n : undefined;
    });
    assert.equal(node.spec.awsName, `account-primary_${ns}`);
    assert.deepEqual(node.spec.meshRef, meshRef);
    assert.deepEqual(router.routes(edited), { primary: 60, canary: 40, mirrored: false });
  });

  test("without a VirtualRouter, routes() gives Flagger's error and setRoutes fails", async (t) => {
    const { cluster, canary } = await setup(t);
    const router = new AppMeshRouter({ cluster });
    assert.deepEqual(router.routes(canary), {
      error: 'VirtualRouter account get query error: virtualrouters.appmesh.k8s.aws "account" not found',
    });
    await assert.rejects(
      router.setRoutes(canary, { primary: 50, canary: 50, mirrored: false }),
      /VirtualRouter account/,
    );
  });

  test('deleting the Canary garbage-collects its App Mesh objects and Services', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const services = new KubernetesServices({ cluster });
    assert.ok((await services.initialize(canary, target)).ok);
    assert.ok((await services.reconcileApex(canary, target)).ok);
    assert.ok((await new AppMeshRouter({ cluster }).reconcile(canary, target)).ok);
    const owned = [...allRefs(ns), ...['account', 'account-primary', 'account-canary'].map((n) => ref(SERVICE, ns, n))];
    await cached('all nine objects', () => (owned.every((r) => cluster.get(r)) ? true : undefined));

    await cluster.delete(ref(CANARY, ns, 'account'));
    await eventually(
      'the garbage collector to delete every owned object',
      () => Promise.resolve(owned.every((r) => !cluster.get(r)) ? true : undefined),
      // The garbage collector learns new CRD kinds on its periodic discovery resync (~30 s on a fresh cluster).
      90_000,
    );
  });
});
