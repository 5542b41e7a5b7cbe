import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { UNREADY_ANNOTATION } from '../../src/devcluster/kwok-stages.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { apply, setImage } from '../support/user.js';
import { appConfigMap, appDeployment, appHpa, seedLikeCanary } from '../support/fixtures.js';
import { appMeshWeights, canaryEvents, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

/** A local HTTP server standing in for the load tester's webhook; records each payload. */
async function webhookReceiver(t: { after: (fn: () => void) => void }) {
  const calls: { name: string; namespace: string; phase: string; metadata?: Record<string, string> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push(JSON.parse(body) as (typeof calls)[number]);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, calls };
}

function indexOfMatch(lines: readonly string[], pattern: RegExp, from = 0): number {
  for (let i = from; i < lines.length; i++) if (pattern.test(lines[i] ?? '')) return i;
  return -1;
}

/** Asserts the patterns appear in this order in the event list. */
function assertInOrder(lines: readonly string[], patterns: readonly RegExp[]): void {
  let at = 0;
  for (const p of patterns) {
    const i = indexOfMatch(lines, p, at);
    assert.ok(i >= 0, `expected an event matching ${p} after position ${at}; events:\n${lines.join('\n')}`);
    at = i + 1;
  }
}

describe('the operator releases a Deployment behind App Mesh', () => {
  test('happy path: initialize, new image, every weight step, promotion, canary scaled to zero', async (t) => {
    const ns = await freshNamespace(t, kc, 'happy');
    const hook = await webhookReceiver(t);
    await apply(
      appConfigMap(ns, 'account', { 'application.properties': 'mode=blue' }),
      appDeployment(ns, 'account'),
      appHpa(ns, 'account'),
    );
    await apply(
      seedLikeCanary(ns, 'account', {
        analysis: {
          webhooks: [
            {
              name: 'acceptance-test',
              type: 'rollout',
              url: hook.url,
              timeout: '5s',
              metadata: { type: 'bash', cmd: 'curl http://account-canary:8180/' },
            },
          ],
        },
      }),
    );
    await startTestOperator(t, ns);

    // Given an initialized canary: the primary serves, the target is scaled to zero.
    await waitForPhase(ns, 'account', 'Initialized');
    const primary = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
    assert.equal(primary.spec?.selector?.matchLabels?.app, 'account-primary');
    await eventually('target scaled to zero', async () =>
      (await apps.readNamespacedDeployment({ name: 'account', namespace: ns })).spec?.replicas === 0 ? true : undefined,
    );
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    const primaryConfig = await core.readNamespacedConfigMap({ name: 'account-config-primary', namespace: ns });
    assert.equal(primaryConfig.data?.['application.properties'], 'mode=blue');

    // When a new image is released
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
    const weights = new Set<number>();
    const done = waitForPhase(ns, 'account', 'Succeeded', 90_000);
    const watcher = (async () => {
      for (let settled = false; !settled;) {
        weights.add((await appMeshWeights(ns, 'account')).canary);
        settled = (await readCanary(ns, 'account')).status?.phase === 'Succeeded';
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await done;
    await watcher;

    // Then traffic went through every step and back to the promoted primary
    for (const w of [20, 40, 60, 80])
      assert.ok(weights.has(w), `canary weight ${w} was set (saw ${[...weights].join(', ')})`);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    const promoted = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
    assert.equal(promoted.spec?.template.spec?.containers[0]?.image, 'registry.example.com/shop/account:1.1.0');
    assert.equal((await apps.readNamespacedDeployment({ name: 'account', namespace: ns })).spec?.replicas, 0);
    assert.ok(
      hook.calls.some(
        (c) => c.name === 'account' && c.namespace === ns && c.phase === 'Progressing' && c.metadata?.type === 'bash',
      ),
    );
    const last = (await readCanary(ns, 'account')).status?.lastAnalysis;
    assert.deepEqual(
      last?.checks,
      [{ name: 'acceptance-test', kind: 'webhook', passed: true }],
      'status shows the last checks',
    );

    const events = await canaryEvents(ns, 'account');
    t.diagnostic(`kubectl describe canary account -n ${ns}\n${events.join('\n')}`);
    assertInOrder(events, [
      /Initialization done! account\./,
      /New revision detected! Scaling up account\./,
      /Starting canary analysis for account\./,
      /Advance account\.\S+ canary weight 20/,
      /Advance account\.\S+ canary weight 40/,
      /Advance account\.\S+ canary weight 60/,
      /Advance account\.\S+ canary weight 80/,
      /Copying account\.\S+ template spec to account-primary\./,
      /Routing all traffic to primary/,
      /Promotion completed! Scaling down account\./,
    ]);
  });

  test('a ConfigMap change alone is a new revision; after promotion <cm>-primary holds the new data', async (t) => {
    const ns = await freshNamespace(t, kc, 'config');
    await apply(
      appConfigMap(ns, 'account', { 'application.properties': 'mode=blue' }),
      appDeployment(ns, 'account', { replicas: 1 }),
    );
    await apply(seedLikeCanary(ns, 'account', { hpa: false, analysis: { stepWeight: 40 } }));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    const before = (await readCanary(ns, 'account')).status?.lastAppliedSpec;

    await apply(appConfigMap(ns, 'account', { 'application.properties': 'mode=green' }));
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
    const cm = await core.readNamespacedConfigMap({ name: 'account-config-primary', namespace: ns });
    assert.equal(cm.data?.['application.properties'], 'mode=green');
    assert.equal((await readCanary(ns, 'account')).status?.lastAppliedSpec, before, 'the pod template did not change');
    assertInOrder(await canaryEvents(ns, 'account'), [
      /New revision detected! Scaling up account\./,
      /Promotion completed!/,
    ]);
  });

  test('canary pods that never become ready hit the progress deadline and roll back; the primary is untouched', async (t) => {
    const ns = await freshNamespace(t, kc, 'unready');
    await apply(
      appConfigMap(ns, 'account', { 'application.properties': 'mode=blue' }),
      appDeployment(ns, 'account', { replicas: 1 }),
    );
    await apply(seedLikeCanary(ns, 'account', { hpa: false, progressDeadlineSeconds: 3 }));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');

    await apply(
      appDeployment(ns, 'account', {
        replicas: 1,
        image: 'registry.example.com/shop/account:2.0.0-broken',
        annotations: { [UNREADY_ANNOTATION]: 'true' },
      }),
    );
    const failed = await waitForPhase(ns, 'account', 'Failed', 60_000);
    assert.equal(failed.status?.canaryWeight, 0);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    const primary = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
    assert.equal(
      primary.spec?.template.spec?.containers[0]?.image,
      'registry.example.com/shop/account:1.0.0',
      'primary untouched',
    );
    assert.equal((await apps.readNamespacedDeployment({ name: 'account', namespace: ns })).spec?.replicas, 0);
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(events.join('\n'));
    assert.ok(
      events.some((e) => e.startsWith('Warning') && /Canary failed! Scaling down account\./.test(e)),
      events.join('\n'),
    );
  });

  test('a Canary spec change that leaves the template alone starts nothing; a rollout restart starts a run', async (t) => {
    const ns = await freshNamespace(t, kc, 'restart');
    await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(seedLikeCanary(ns, 'account', { hpa: false, analysis: { stepWeight: 50, maxWeight: 50 } }));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');

    await apply(
      seedLikeCanary(ns, 'account', { hpa: false, analysis: { stepWeight: 50, maxWeight: 50, threshold: 5 } }),
    );
    await new Promise((r) => setTimeout(r, 3000)); // three intervals
    assert.equal(
      (await readCanary(ns, 'account')).status?.phase,
      'Initialized',
      'a threshold change alone is not a release',
    );

    // `kubectl rollout restart` stamps the pod template
    await apps.patchNamespacedDeployment({
      name: 'account',
      namespace: ns,
      body: [
        {
          op: 'add',
          path: '/spec/template/metadata/annotations',
          value: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() },
        },
      ],
    });
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
  });

  test('revertOnDeletion: deleting the Canary hands the workload back (target scaled up, apex Service on its pods)', async (t) => {
    const ns = await freshNamespace(t, kc, 'revert');
    await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 2 }));
    await apply(seedLikeCanary(ns, 'account', { hpa: false, spec: { revertOnDeletion: true } }));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    assert.deepEqual((await readCanary(ns, 'account')).metadata.finalizers, ['finalizer.flagger.app']);
    const apexBefore = await core.readNamespacedService({ name: 'account', namespace: ns });
    assert.equal(apexBefore.spec?.selector?.app, 'account-primary');

    await new KubeRest(kc).json(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/account`, { method: 'DELETE' });
    await eventually('canary gone', async () => {
      const res = await new KubeRest(kc).request(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/account`);
      return res.status === 404 ? true : undefined;
    });
    const target = await apps.readNamespacedDeployment({ name: 'account', namespace: ns });
    assert.equal(target.spec?.replicas, 2, 'the target runs again with the primary replicas');
    const apex = await eventually(
      'apex service back on target pods',
      async () => {
        const svc = await core.readNamespacedService({ name: 'account', namespace: ns }).catch(() => undefined);
        return svc?.spec?.selector?.app === 'account' ? svc : undefined;
      },
      60_000,
    );
    assert.equal(apex.spec?.selector?.app, 'account');
  });

  test('a routing object deleted by someone else is recreated from the watch event, not at the next tick', async (t) => {
    const ns = await freshNamespace(t, kc, 'heal');
    await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(seedLikeCanary(ns, 'account', { hpa: false, analysis: { interval: '1m' } }));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    const rest = new KubeRest(kc);
    const path = `/apis/appmesh.k8s.aws/v1beta2/namespaces/${ns}/virtualrouters/account`;
    const before = await rest.json<{ metadata: { uid: string } }>(path);
    await rest.json(path, { method: 'DELETE' });
    const after = await eventually(
      'virtual router recreated',
      async () => {
        const res = await rest.request(path);
        const router = res.status === 200 ? (JSON.parse(res.body) as { metadata: { uid: string } }) : undefined;
        return router && router.metadata.uid !== before.metadata.uid ? router : undefined;
      },
      15_000,
    );
    assert.notEqual(after.metadata.uid, before.metadata.uid);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
  });
});
