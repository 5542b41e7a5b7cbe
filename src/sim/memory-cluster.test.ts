import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKubeError, type WatchEvent } from '../kube/cluster.js';
import type { KubeObject } from '../kube/objects.js';
import { MemoryCluster } from './memory-cluster.js';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const now = () => Date.parse('2026-11-26T10:00:00Z');
const flush = () => new Promise((r) => setImmediate(r));

function deployment(name: string, owner?: KubeObject): KubeObject {
  return {
    ...DEPLOY,
    metadata: {
      name,
      namespace: 'shop',
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: owner.apiVersion,
                kind: owner.kind,
                name: owner.metadata.name ?? '',
                uid: owner.metadata.uid ?? '',
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { replicas: 1 },
  };
}

test('creates with a uid, generation 1 and a resourceVersion; a second create is AlreadyExists', async () => {
  const cluster = new MemoryCluster({ now });
  const created = await cluster.create(deployment('account'));
  assert.ok(created.metadata.uid);
  assert.equal(created.metadata.generation, 1);
  assert.equal(created.metadata.creationTimestamp, '2026-11-26T10:00:00.000Z');
  await assert.rejects(cluster.create(deployment('account')), (e) => isKubeError(e, 'AlreadyExists'));
});

test('an update with a stale resourceVersion is a Conflict; a spec change bumps the generation, a status write does not', async () => {
  const cluster = new MemoryCluster({ now });
  const v1 = await cluster.create(deployment('account'));
  const v2 = await cluster.update({ ...v1, spec: { replicas: 3 } });
  assert.equal(v2.metadata.generation, 2);
  await assert.rejects(cluster.update({ ...v1, spec: { replicas: 5 } }), (e) => isKubeError(e, 'Conflict'));
  const v3 = await cluster.updateStatus({ ...v2, spec: { replicas: 9 }, status: { readyReplicas: 3 } });
  assert.deepEqual(v3.spec, { replicas: 3 }, 'the status subresource leaves the spec alone');
  assert.deepEqual(v3.status, { readyReplicas: 3 });
  assert.equal(v3.metadata.generation, 2);
  const v4 = await cluster.update({ ...v3, status: { readyReplicas: 0 } });
  assert.deepEqual(v4.status, { readyReplicas: 3 }, 'a main-resource update leaves the status alone');
  assert.equal(v4.metadata.resourceVersion, v3.metadata.resourceVersion, 'a no-op write keeps the version');
});

test('stored objects are frozen, so no caller can change the cluster behind its back', async () => {
  const cluster = new MemoryCluster({ now });
  await cluster.create({ ...CM, metadata: { name: 'c', namespace: 'shop' }, data: { k: 'v' } });
  const cm = cluster.get<KubeObject>({ ...CM, namespace: 'shop', name: 'c' })!;
  assert.throws(() => ((cm.data as Record<string, string>).k = 'changed'));
});

test('merge patches merge, null removes, and a resourceVersion in the patch is a precondition', async () => {
  const cluster = new MemoryCluster({ now });
  const cm = await cluster.create<KubeObject>({
    ...CM,
    metadata: { name: 'c', namespace: 'shop' },
    data: { a: '1', b: '2' },
  });
  const patched = await cluster.patch<KubeObject>(
    { ...CM, namespace: 'shop', name: 'c' },
    { data: { a: null, c: '3' } },
  );
  assert.deepEqual(patched.data, { b: '2', c: '3' });
  await assert.rejects(
    cluster.patch(
      { ...CM, namespace: 'shop', name: 'c' },
      { metadata: { resourceVersion: cm.metadata.resourceVersion } },
    ),
    (e) => isKubeError(e, 'Conflict'),
  );
});

test('deleting an owner garbage-collects what it controls; a finalizer holds the object with a deletionTimestamp', async () => {
  const cluster = new MemoryCluster({ now });
  const owner = await cluster.create({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop', finalizers: ['finalizer.flagger.app'] },
    spec: {},
  });
  await cluster.create(deployment('account-primary', owner));
  const ref = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', namespace: 'shop', name: 'account' };
  await cluster.delete(ref);
  const held = cluster.get<KubeObject>(ref)!;
  assert.ok(held.metadata.deletionTimestamp, 'held by its finalizer');
  assert.ok(
    cluster.get({ ...DEPLOY, namespace: 'shop', name: 'account-primary' }),
    'dependents stay while the owner is held',
  );
  await cluster.patch(ref, { metadata: { finalizers: [] } });
  assert.equal(cluster.get(ref), undefined);
  assert.equal(cluster.get({ ...DEPLOY, namespace: 'shop', name: 'account-primary' }), undefined);
});

test('subscribers see added, modified and deleted after the write returns', async () => {
  const cluster = new MemoryCluster({ now });
  const seen: WatchEvent['type'][] = [];
  cluster.subscribe(CM, (e) => seen.push(e.type));
  const creating = cluster.create<KubeObject>({ ...CM, metadata: { name: 'c', namespace: 'shop' }, data: {} });
  assert.deepEqual(seen, [], 'not delivered inside the write call, like a watch');
  const cm = await creating;
  await cluster.update({ ...cm, data: { k: 'v' } });
  await cluster.delete({ ...CM, namespace: 'shop', name: 'c' });
  await flush();
  assert.deepEqual(seen, ['added', 'modified', 'deleted']);
});

test('a write keeps its own copy of what the caller built: changing the caller’s objects later changes nothing stored', async () => {
  const cluster = new MemoryCluster({ now });
  const data = { k: 'v' };
  const live = await cluster.create<KubeObject>({ ...CM, metadata: { name: 'c', namespace: 'shop' }, data });
  data.k = 'changed by the caller';
  const status = { conditions: [{ type: 'Ready', status: 'True' }] };
  await cluster.create(deployment('account'));
  const ref = { ...DEPLOY, namespace: 'shop', name: 'account' };
  await cluster.updateStatus({ ...cluster.get<KubeObject>(ref)!, status });
  status.conditions[0]!.status = 'False';
  assert.deepEqual(cluster.get<KubeObject>({ ...CM, namespace: 'shop', name: 'c' })!.data, { k: 'v' });
  assert.deepEqual(cluster.get<KubeObject>(ref)!.status, { conditions: [{ type: 'Ready', status: 'True' }] });
  assert.ok(Object.isFrozen(live.data) && Object.isFrozen(cluster.get<KubeObject>(ref)!.status));
});

test('a status write or a patch shares what it did not change with the previous version', async () => {
  const cluster = new MemoryCluster({ now });
  const ref = { ...DEPLOY, namespace: 'shop', name: 'account' };
  const v1 = await cluster.create<KubeObject>({
    ...deployment('account'),
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
  });
  const v2 = await cluster.updateStatus<KubeObject>({ ...v1, status: { readyReplicas: 1 } });
  assert.equal(v2.spec, v1.spec, 'the spec object is the same (what a cache keyed by spec relies on)');
  const v3 = await cluster.patch<KubeObject>(ref, { spec: { replicas: 2 } });
  const template = (o: KubeObject) => (o.spec as { template: unknown }).template;
  assert.equal(template(v3), template(v2), 'the untouched template is shared');
  assert.notEqual(v3.spec, v2.spec);
  assert.equal(v3.status, v2.status);
  assert.deepEqual(v3.spec, { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } });
});

test('list returns namespace/name order as objects come and go, with each object as it is now', async () => {
  const cluster = new MemoryCluster({ now });
  const names = (ns?: string) =>
    cluster.list<KubeObject>(CM, ns).map((c) => `${c.metadata.namespace}/${c.metadata.name}`);
  for (const [ns, name] of [
    ['shop', 'b'],
    ['cart', 'z'],
    ['shop', 'a'],
  ] as const) {
    await cluster.create({ ...CM, metadata: { name, namespace: ns }, data: {} });
  }
  assert.deepEqual(names(), ['cart/z', 'shop/a', 'shop/b']);
  await cluster.create({ ...CM, metadata: { name: 'a', namespace: 'cart' }, data: {} });
  await cluster.delete({ ...CM, namespace: 'shop', name: 'a' });
  assert.deepEqual(names(), ['cart/a', 'cart/z', 'shop/b']);
  assert.deepEqual(names('shop'), ['shop/b']);
  await cluster.patch({ ...CM, namespace: 'shop', name: 'b' }, { data: { k: 'new' } });
  assert.deepEqual(cluster.list<KubeObject>(CM, 'shop')[0]?.data, { k: 'new' });
  assert.deepEqual(cluster.list(DEPLOY), []);
});

test('a write of something that is not data (a function) is refused, as a structured clone refuses it', () => {
  const cluster = new MemoryCluster({ now });
  assert.throws(
    () => cluster.create({ ...CM, metadata: { name: 'c', namespace: 'shop' }, data: { k: () => 'v' } }),
    (e: Error) => e.name === 'DataCloneError',
  );
  assert.equal(cluster.get({ ...CM, namespace: 'shop', name: 'c' }), undefined);
});
