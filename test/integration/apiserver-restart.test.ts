/**
 * Issue #10: after a kube-apiserver restart every resumed watch gets 410 Gone. The caches must list
 * again at once, and no promotion may be decided on a cache that still shows a replaced revision.
 * Runs on a private control plane: the restart must not disturb the tests sharing the run's cluster.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { ApiCluster } from '../../src/kube/api-cluster.js';
import { applyObjects } from '../../src/kube/apply.js';
import { KubeRest } from '../../src/kube/rest.js';
import { cached, eventually } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { startTestOperator } from '../support/operator.js';
import { startPrivateCluster } from '../support/private-cluster.js';

const IMAGE = 'registry.example.com/shop/account';
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

interface CanaryState {
  status?: { phase?: string; canaryWeight?: number };
}

describe('an API server restart in the middle of a release', () => {
  test('an image changed right after the restart is detected and released; the replaced revision is never promoted', async (t) => {
    const cluster = await startPrivateCluster(t, (line) => t.diagnostic(line));
    const { kc } = cluster;
    const rest = new KubeRest(kc);
    const apps = kc.makeApiClient(AppsV1Api);
    const ns = 'shop';
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const canaryPath = `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/account`;
    const readCanary = () => rest.json<CanaryState>(canaryPath);
    const events = async () =>
      (await rest.json<{ items: { message: string }[] }>(`/api/v1/namespaces/${ns}/events`)).items.map(
        (e) => e.message,
      );
    const setImage = (tag: string) =>
      apps.patchNamespacedDeployment({
        name: 'account',
        namespace: ns,
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${IMAGE}:${tag}` }],
      });

    // Given a canary releasing 1.1.0 in steps of 10 % every second
    await applyObjects(kc, [appConfigMap(ns, 'account', { k: 'v1' }), appDeployment(ns, 'account', { replicas: 1 })]);
    await applyObjects(kc, [
      // The control plane's own components (controller-manager, kwok) reconnect after the restart with
      // client-go's backoff, so the canary's rollout may wait for them longer than the default deadline.
      seedLikeCanary(ns, 'account', {
        hpa: false,
        progressDeadlineSeconds: 600,
        analysis: { interval: '1s', stepWeight: 10, maxWeight: 50 },
      }),
    ]);
    await startTestOperator(t, ns, { kubeconfig: cluster.kubeconfig });
    await eventually(
      'Initialized',
      async () => (await readCanary()).status?.phase === 'Initialized' || undefined,
      90_000,
    );
    await setImage('1.1.0');
    await eventually(
      'weight 10',
      async () => ((await readCanary()).status?.canaryWeight ?? 0) >= 10 || undefined,
      60_000,
    );

    // When the API server is killed and restarted on the same etcd, and the user replaces the image
    // the moment it answers again
    const caches = new ApiCluster(kc, { kinds: [DEPLOYMENT], namespace: ns });
    await caches.start();
    t.after(() => caches.stop());
    const synced = () => caches.health()[`${DEPLOYMENT.apiVersion}/${DEPLOYMENT.kind}`]?.synced;
    assert.equal(synced(), true);
    const downMs = await cluster.restartApiserver(0, async () => {
      // a cache whose watch broke says so (readiness reads this), instead of passing for current
      await cached('the Deployment cache reported unsynced', () => (synced() === false ? true : undefined), 30_000);
    });
    await setImage('1.2.0');
    const changedAt = Date.now();
    t.diagnostic(`kube-apiserver unreachable for ${downMs} ms`);

    // Then the new revision restarts the analysis and is the one promoted
    const restarted = await eventually(
      'the analysis restarted for 1.2.0',
      async () => (await events()).some((e) => /New revision detected! Restarting analysis/.test(e)) || undefined,
      60_000,
    );
    assert.ok(restarted);
    const target = { ...DEPLOYMENT, namespace: ns, name: 'account' };
    type Workload = { spec: { template: { spec: { containers: { image: string }[] } } } };
    const imageInCache = () => caches.get<Workload>(target)?.spec.template.spec.containers[0]?.image;
    await cached(
      'the cache synced again with 1.2.0',
      () => (synced() && imageInCache() === `${IMAGE}:1.2.0`) || undefined,
      30_000,
    );
    t.diagnostic(`new revision noticed ${Date.now() - changedAt} ms after the image change (poll resolution 200 ms)`);
    await eventually(
      'Succeeded with 1.2.0 in the primary',
      async () => {
        if ((await readCanary()).status?.phase !== 'Succeeded') return undefined;
        const primary = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
        return primary.spec?.template.spec?.containers[0]?.image === `${IMAGE}:1.2.0` || undefined;
      },
      240_000,
    ).catch(async (err: unknown) => {
      // what the workloads looked like, before the cluster goes
      const list = await apps.listNamespacedDeployment({ namespace: ns }).catch(() => undefined);
      for (const d of list?.items ?? []) t.diagnostic(`${d.metadata?.name}: ${JSON.stringify(d.status)}`);
      throw err;
    });
    // The primary's ReplicaSets record every template it ever ran: 1.1.0 must not be among them.
    const sets = await apps.listNamespacedReplicaSet({ namespace: ns });
    const primaryImages = sets.items
      .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.name === 'account-primary'))
      .map((rs) => rs.spec?.template?.spec?.containers[0]?.image)
      .sort();
    assert.deepEqual(primaryImages, [`${IMAGE}:1.0.0`, `${IMAGE}:1.2.0`]);
    const log = await events();
    t.diagnostic(log.join('\n'));
    assert.equal(log.filter((e) => /Promotion completed!/.test(e)).length, 1, 'one promotion: 1.2.0');
  });
});
