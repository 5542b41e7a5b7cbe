/**
 * The routers skip building objects they last found in place (in-place.ts). Each test changes one
 * input of that memo — an object edited or deleted by hand, the Canary's spec (a new generation),
 * its annotations, the target's selector label, weights written meanwhile — and checks that the
 * next reconcile puts the objects right: a memo that served a stale "in place" fails them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { ObjectRef } from '../kube/objects.js';
import { accountCanary } from '../controller/account.test-support.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import type { TargetMetadata } from '../targets/target.js';
import { AppMeshRouter } from './appmesh.js';
import { desiredVirtualNode, desiredVirtualRouter } from './appmesh-objects.js';
import {
  VIRTUAL_NODE,
  VIRTUAL_ROUTER,
  VIRTUAL_SERVICE,
  type VirtualNode,
  type VirtualRouter,
} from './appmesh-types.js';
import { KubernetesServices } from './kubernetes-services.js';
import { desiredService, type ServiceObject } from './service-objects.js';

const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
const CANARY_REF = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', namespace: 'shop', name: 'account' };
const target: TargetMetadata = Object.freeze({ labelKey: 'app', labelValue: 'account', ports: Object.freeze({}) });

/** A cluster holding the Canary `account` (frozen, with a uid and a generation, as a cache hands it out). */
async function world(): Promise<{ cluster: MemoryCluster; canary: () => Canary }> {
  const cluster = new MemoryCluster({ now: () => Date.parse('2026-12-01T00:00:00Z') });
  await cluster.create(accountCanary({ interval: '1m', threshold: 2, stepWeight: 10, maxWeight: 50 }));
  return { cluster, canary: () => cluster.get<Canary>(CANARY_REF)! };
}

const ref = (kind: { apiVersion: string; kind: string }, name: string): ObjectRef => ({
  ...kind,
  namespace: 'shop',
  name,
});

/** Reconciles twice (the second one finds everything in place) and checks nothing was written the second time. */
async function settled(cluster: MemoryCluster, reconcile: () => Promise<unknown>): Promise<void> {
  await reconcile();
  const writes = { ...cluster.writes };
  await reconcile();
  assert.deepEqual(cluster.writes, writes, 'a reconcile with nothing changed writes nothing');
}

describe('AppMeshRouter: objects found in place are not built again, and any change is put right', () => {
  test('a VirtualNode edited by hand is put back at the next reconcile', async () => {
    const { cluster, canary } = await world();
    const router = new AppMeshRouter({ cluster });
    await settled(cluster, () => router.reconcile(canary(), target));
    const node = cluster.get<VirtualNode>(ref(VIRTUAL_NODE, 'account-canary'))!;
    await cluster.update({
      ...node,
      spec: { ...node.spec, listeners: [{ portMapping: { port: 1, protocol: 'http' } }] },
    });
    await router.reconcile(canary(), target);
    const repaired = cluster.get<VirtualNode>(ref(VIRTUAL_NODE, 'account-canary'))!;
    assert.deepEqual(repaired.spec, desiredVirtualNode(canary(), target, 'canary').spec);
  });

  test('a VirtualRouter edited by hand, and a VirtualService deleted, are put back', async () => {
    const { cluster, canary } = await world();
    const router = new AppMeshRouter({ cluster });
    await settled(cluster, () => router.reconcile(canary(), target));
    const apex = cluster.get<VirtualRouter>(ref(VIRTUAL_ROUTER, 'account'))!;
    await cluster.update({
      ...apex,
      spec: { ...apex.spec, listeners: [{ portMapping: { port: 2, protocol: 'http' } }] },
    });
    await cluster.delete(ref(VIRTUAL_SERVICE, 'account-canary'));
    await router.reconcile(canary(), target);
    const repaired = cluster.get<VirtualRouter>(ref(VIRTUAL_ROUTER, 'account'))!;
    assert.deepEqual(repaired.spec.listeners, desiredVirtualRouter(canary(), 'apex').spec.listeners);
    assert.ok(cluster.get(ref(VIRTUAL_SERVICE, 'account-canary')), 'the deleted VirtualService is created again');
  });

  test('after new weights the apex router is still in place, and a hand edit after them is put back', async () => {
    const { cluster, canary } = await world();
    const router = new AppMeshRouter({ cluster });
    await router.reconcile(canary(), target);
    await router.setRoutes(canary(), { primary: 70, canary: 30, mirrored: false });
    await settled(cluster, () => router.reconcile(canary(), target));
    assert.deepEqual(router.routes(canary()), { primary: 70, canary: 30, mirrored: false });
    const apex = cluster.get<VirtualRouter>(ref(VIRTUAL_ROUTER, 'account'))!;
    await cluster.update({
      ...apex,
      spec: { ...apex.spec, listeners: [{ portMapping: { port: 3, protocol: 'http' } }] },
    });
    await router.setRoutes(canary(), { primary: 60, canary: 40, mirrored: false });
    await router.reconcile(canary(), target);
    const repaired = cluster.get<VirtualRouter>(ref(VIRTUAL_ROUTER, 'account'))!;
    assert.deepEqual(repaired.spec.listeners, desiredVirtualRouter(canary(), 'apex').spec.listeners);
    assert.deepEqual(
      router.routes(canary()),
      { primary: 60, canary: 40, mirrored: false },
      'the live weights are kept',
    );
  });

  test('a spec change (a new generation) rebuilds the objects', async () => {
    const { cluster, canary } = await world();
    const router = new AppMeshRouter({ cluster });
    await settled(cluster, () => router.reconcile(canary(), target));
    await cluster.patch(CANARY_REF, { spec: { service: { timeout: '15s' } } });
    assert.equal(canary().metadata?.generation, 2);
    await router.reconcile(canary(), target);
    const node = cluster.get<VirtualNode>(ref(VIRTUAL_NODE, 'account-primary'))!;
    assert.deepEqual(node.spec.listeners?.[0]?.timeout, { http: { perRequest: { unit: 'ms', value: 15_000 } } });
  });

  test('an annotation change (the same generation) rebuilds the objects', async () => {
    const { cluster, canary } = await world();
    const router = new AppMeshRouter({ cluster });
    await settled(cluster, () => router.reconcile(canary(), target));
    await cluster.patch(CANARY_REF, { metadata: { annotations: { 'appmesh.flagger.app/accesslog': 'enabled' } } });
    assert.equal(canary().metadata?.generation, 1);
    await router.reconcile(canary(), target);
    const node = cluster.get<VirtualNode>(ref(VIRTUAL_NODE, 'account-canary'))!;
    assert.deepEqual(node.spec.logging, { accessLog: { file: { path: '/dev/stdout' } } });
  });

  test("a change of the target's selector label rebuilds the VirtualNodes", async () => {
    const { cluster, canary } = await world();
    const router = new AppMeshRouter({ cluster });
    await settled(cluster, () => router.reconcile(canary(), target));
    await router.reconcile(canary(), { ...target, labelValue: 'accounts' });
    const node = cluster.get<VirtualNode>(ref(VIRTUAL_NODE, 'account-primary'))!;
    assert.deepEqual(node.spec.podSelector, { matchLabels: { app: 'accounts-primary' } });
  });

  test('a Canary that is not frozen (not read from a cache) is compared every time', async () => {
    const { cluster, canary } = await world();
    const router = new AppMeshRouter({ cluster });
    const mutable = structuredClone(canary()) as Canary & { spec: { service: { timeout?: string } } };
    await settled(cluster, () => router.reconcile(mutable, target));
    mutable.spec.service.timeout = '5s';
    await router.reconcile(mutable, target);
    const node = cluster.get<VirtualNode>(ref(VIRTUAL_NODE, 'account-canary'))!;
    assert.deepEqual(node.spec.listeners?.[0]?.timeout, { http: { perRequest: { unit: 'ms', value: 5_000 } } });
  });
});

describe('KubernetesServices: Services found in place are not built again, and any change is put right', () => {
  test('a Service edited by hand is put back; so is one deleted', async () => {
    const { cluster, canary } = await world();
    const services = new KubernetesServices({ cluster });
    const both = async () => {
      await services.initialize(canary(), target);
      await services.reconcileApex(canary(), target);
    };
    await settled(cluster, both);
    const primary = cluster.get<ServiceObject>(ref(SERVICE, 'account-primary'))!;
    await cluster.update({ ...primary, spec: { ...primary.spec, selector: { app: 'nobody' } } });
    await cluster.delete(ref(SERVICE, 'account'));
    await both();
    assert.deepEqual(cluster.get<ServiceObject>(ref(SERVICE, 'account-primary'))!.spec.selector, {
      app: 'account-primary',
    });
    assert.deepEqual(
      cluster.get<ServiceObject>(ref(SERVICE, 'account'))!.spec.selector,
      desiredService(canary(), target, 'apex').spec.selector,
    );
  });

  test("a port change in the spec, and a change of the target's ports, update the Services", async () => {
    const { cluster, canary } = await world();
    const services = new KubernetesServices({ cluster });
    await settled(cluster, () => services.initialize(canary(), target));
    await cluster.patch(CANARY_REF, { spec: { service: { port: 9090, portDiscovery: true } } });
    await settled(cluster, () => services.initialize(canary(), target));
    const ports = (name: string) => cluster.get<ServiceObject>(ref(SERVICE, name))!.spec.ports?.map((p) => p.port);
    assert.deepEqual(ports('account-canary'), [9090]);
    await services.initialize(canary(), { ...target, ports: { metrics: 9797 } });
    assert.deepEqual(ports('account-canary'), [9090, 9797]);
    assert.deepEqual(ports('account-primary'), [9090, 9797]);
  });
});
