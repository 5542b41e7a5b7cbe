import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, blueGreenCanary } from '../support/fixtures.js';
import { canaryEvents, startTestOperator, waitForPhase } from '../support/operator.js';
import { startRecordingServer } from '../support/prometheus.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);

describe('blue/green without a mesh (provider kubernetes): real cluster', () => {
  test('iterations of analysis on the canary, then promotion; a failing verdict rolls back; the apex keeps the primary', async (t) => {
    const ns = await freshNamespace(t, kc, 'bluegreen');
    let verdict = 200;
    const hook = await startRecordingServer(() => ({ status: verdict }));
    t.after(() => hook.close());
    await apply(
      appConfigMap(ns, 'podinfo', { 'application.properties': 'server.port=9898' }),
      appDeployment(ns, 'podinfo', { image: 'podinfo:1.0.0' }),
      // judged by a rollout webhook (a load test's verdict)
      blueGreenCanary(ns, [{ name: 'acceptance', type: 'rollout', url: hook.url, timeout: '5s' }]),
    );
    await startTestOperator(t, ns, { meshProvider: 'kubernetes' });
    await waitForPhase(ns, 'podinfo', 'Initialized');

    await setImage(ns, 'podinfo', 'podinfo:1.1.0');
    await waitForPhase(ns, 'podinfo', 'Succeeded', 90_000);
    const promoted = await canaryEvents(ns, 'podinfo');
    t.diagnostic(promoted.join('\n'));
    for (const i of [1, 2, 3])
      assert.ok(
        promoted.some((e) => e.endsWith(`canary iteration ${i}/3`)),
        `iteration ${i}`,
      );
    assert.ok(promoted.some((e) => e.includes('Promotion completed! Scaling down podinfo.')));
    assert.ok(!promoted.some((e) => /Advance podinfo\.\S+ canary weight/.test(e)), 'no weights without a mesh');
    const apex = await core.readNamespacedService({ name: 'podinfo', namespace: ns });
    assert.deepEqual(apex.spec?.selector, { app: 'podinfo-primary' });

    verdict = 500;
    await setImage(ns, 'podinfo', 'podinfo:1.2.0');
    await waitForPhase(ns, 'podinfo', 'Failed', 90_000);
    const failed = await canaryEvents(ns, 'podinfo');
    assert.ok(failed.some((e) => /Rolling back podinfo\.\S+ failed checks threshold reached 2/.test(e)));
    assert.ok(failed.some((e) => e.includes('Canary failed! Scaling down podinfo.')));
  });
});
