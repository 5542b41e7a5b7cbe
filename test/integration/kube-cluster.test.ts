import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiCluster } from '../../src/kube/api-cluster.js';
import { isKubeError, type WatchEvent } from '../../src/kube/cluster.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { cached, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const CM = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
const CANARY = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' } as const;

function configMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { ...CM, metadata: { name, namespace }, data };
}

describe('ApiCluster: reads from watch caches, writes to the API server', () => {
  test('a write shows up in the cache and reaches subscribers as added, modified and deleted', async (t) => {
    const ns = await freshNamespace(t, kc, 'cache');
    const cluster = await startApiCluster(t, [CM], ns);
    const seen: WatchEvent['type'][] = [];
    cluster.subscribe(CM, (e) => {
      if (e.object.metadata.name === 'settings') seen.push(e.type);
    });

    const created = await cluster.create(configMap(ns, 'settings', { mode: 'blue' }));
    const inCache = await cached('configmap in cache', () =>
      cluster.get<KubeObject>({ ...CM, namespace: ns, name: 'settings' }),
    );
    assert.deepEqual(inCache.data, { mode: 'blue' });
    assert.equal(inCache.apiVersion, 'v1', 'cached objects carry their type');

    await cluster.update({ ...created, data: { mode: 'green' } });
    await cached('update in cache', () => {
      const cm = cluster.get<KubeObject>({ ...CM, namespace: ns, name: 'settings' });
      return (cm?.data as Record<string, string> | undefined)?.mode === 'green' ? cm : undefined;
    });
    await cluster.delete({ ...CM, namespace: ns, name: 'settings' });
    await cached('delete in cache', () => (cluster.get({ ...CM, namespace: ns, name: 'settings' }) ? undefined : true));
    assert.deepEqual(seen, ['added', 'modified', 'deleted']);
  });

  test('what this client writes is readable from its cache at once (read-your-own-writes)', async (t) => {
    const ns = await freshNamespace(t, kc, 'ryow');
    const cluster = await startApiCluster(t, [CM], ns);
    const created = await cluster.create(configMap(ns, 'fresh', { v: '1' }));
    assert.equal(
      cluster.get<KubeObject>({ ...CM, namespace: ns, name: 'fresh' })?.metadata.resourceVersion,
      created.metadata.resourceVersion,
    );
    const updated = await cluster.patch<KubeObject>({ ...CM, namespace: ns, name: 'fresh' }, { data: { v: '2' } });
    const seen = cluster.get<KubeObject>({ ...CM, namespace: ns, name: 'fresh' });
    assert.equal(seen?.metadata.resourceVersion, updated.metadata.resourceVersion);
    assert.deepEqual(seen?.data, { v: '2' });
  });

  test('a write with a stale resourceVersion fails as a Conflict, a second create as AlreadyExists', async (t) => {
    const ns = await freshNamespace(t, kc, 'conflict');
    const cluster = await startApiCluster(t, [CM], ns);
    const first = await cluster.create(configMap(ns, 'c', { v: '1' }));
    await cluster.update({ ...first, data: { v: '2' } });
    await assert.rejects(cluster.update({ ...first, data: { v: '3' } }), (err) => isKubeError(err, 'Conflict'));
    await assert.rejects(cluster.create(configMap(ns, 'c', {})), (err) => isKubeError(err, 'AlreadyExists'));
    await cluster.delete({ ...CM, namespace: ns, name: 'c' });
    await cluster.delete({ ...CM, namespace: ns, name: 'c' }); // deleting twice is not an error
  });

  test('a Canary status is written through the status subresource and the spec is left alone', async (t) => {
    const ns = await freshNamespace(t, kc, 'status');
    const cluster = await startApiCluster(t, [CANARY], ns);
    const canary = await cluster.create<KubeObject>({
      ...CANARY,
      metadata: { name: 'podinfo', namespace: ns },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
        service: { port: 9898 },
        analysis: { interval: '1m', threshold: 5, stepWeight: 10 },
      },
    });
    const written = await cluster.updateStatus({
      ...canary,
      spec: { ...(canary.spec as object), suspend: true },
      status: { phase: 'Initializing', canaryWeight: 0, failedChecks: 0 },
    });
    assert.deepEqual(written.status, { phase: 'Initializing', canaryWeight: 0, failedChecks: 0 });
    assert.equal((written.spec as { suspend?: boolean }).suspend, undefined, 'a status write never changes the spec');
    const ref = { ...CANARY, namespace: ns, name: 'podinfo' };
    const cached = cluster.get<KubeObject>(ref);
    assert.equal(cached?.spec, canary.spec, 'the cache keeps the spec it had: the status write did not change it');
    assert.throws(() => {
      (cached?.spec as { suspend?: boolean }).suspend = true;
    }, TypeError);
    assert.equal(
      (cluster.get<KubeObject>(ref)?.spec as { suspend?: boolean }).suspend,
      undefined,
      'cached objects are frozen',
    );
  });

  test('objects outside the watched namespace are not in the cache', async (t) => {
    const watched = await freshNamespace(t, kc, 'watched');
    const other = await freshNamespace(t, kc, 'other');
    const cluster = await startApiCluster(t, [CM], watched);
    await cluster.create(configMap(other, 'elsewhere', {}));
    await cluster.create(configMap(watched, 'here', {}));
    await cached('watched configmap', () => cluster.get({ ...CM, namespace: watched, name: 'here' }));
    assert.equal(cluster.get({ ...CM, namespace: other, name: 'elsewhere' }), undefined);
    assert.throws(() => cluster.get({ apiVersion: 'v1', kind: 'Secret', name: 'x' }), /not cached/);
  });

  test("a field selector keeps Helm's release Secrets out of the cache, in the first list and on the watch", async (t) => {
    const ns = await freshNamespace(t, kc, 'selector');
    const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;
    const secret = (name: string, type: string): KubeObject => ({
      ...SECRET,
      metadata: { name, namespace: ns },
      type,
      stringData: { release: 'x'.repeat(1000) },
    });
    const writer = await startApiCluster(t, [CM], ns);
    await writer.create(secret('sh.helm.release.v1.shop.v1', 'helm.sh/release.v1'));
    await writer.create(secret('db-password', 'Opaque'));
    const cluster = new ApiCluster(kc, {
      kinds: [SECRET],
      namespace: ns,
      fieldSelectors: { 'v1/Secret': 'type!=helm.sh/release.v1' },
    });
    await cluster.start();
    t.after(() => cluster.stop());
    assert.ok(cluster.get({ ...SECRET, namespace: ns, name: 'db-password' }), 'an Opaque Secret is listed');
    assert.equal(cluster.get({ ...SECRET, namespace: ns, name: 'sh.helm.release.v1.shop.v1' }), undefined);
    await writer.create(secret('sh.helm.release.v1.shop.v2', 'helm.sh/release.v1'));
    await writer.create(secret('api-token', 'Opaque'));
    await cached('a new Opaque Secret from the watch', () =>
      cluster.get({ ...SECRET, namespace: ns, name: 'api-token' }),
    );
    assert.deepEqual(
      cluster.list(SECRET, ns).map((s) => s.metadata.name),
      ['api-token', 'db-password'],
    );
  });

  test('a first list larger than one page is read page by page, whole', async (t) => {
    const ns = await freshNamespace(t, kc, 'pages');
    const writer = await startApiCluster(t, [CM], ns);
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) await writer.create({ ...CM, metadata: { name, namespace: ns }, data: { k: name } });
    const cluster = new ApiCluster(kc, { kinds: [CM], namespace: ns, listPageSize: 2 });
    await cluster.start();
    t.after(() => cluster.stop());
    assert.deepEqual(
      cluster.list(CM, ns).map((c) => c.metadata.name),
      [...names, 'kube-root-ca.crt'],
      'three pages of two: every ConfigMap, none twice',
    );
    await writer.create({ ...CM, metadata: { name: 'f', namespace: ns } });
    await cached('a ConfigMap created after the paged list, from the watch', () =>
      cluster.get({ ...CM, namespace: ns, name: 'f' }),
    );
  });
});
