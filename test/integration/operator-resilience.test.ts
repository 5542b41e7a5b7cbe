import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { apply, setImage } from '../support/user.js';
import { appConfigMap, appDeployment, appHpa, seedLikeCanary } from '../support/fixtures.js';
import {
  appMeshWeights,
  canaryEvents,
  operatorProcess,
  readCanary,
  startTestOperator,
  waitForPhase,
} from '../support/operator.js';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

async function condition(ns: string, name: string, type: string) {
  return (await readCanary(ns, name)).status?.conditions?.find((c) => c.type === type);
}

describe('the operator survives crashes and bad input', () => {
  test('killed mid-analysis and started again, the canary continues from its status and is promoted', async (t) => {
    const ns = await freshNamespace(t, kc, 'crash');
    await apply(appConfigMap(ns, 'account', { k: 'v1' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(
      seedLikeCanary(ns, 'account', { hpa: false, analysis: { interval: '2s', stepWeight: 10, maxWeight: 50 } }),
    );
    const { child: first } = operatorProcess(t, ns, 'first');
    await waitForPhase(ns, 'account', 'Initialized', 60_000);
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
    await eventually(
      'weight 20 reached',
      async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= 20 || undefined,
      60_000,
    );

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atCrash = (await readCanary(ns, 'account')).status;
    t.diagnostic(`killed at phase ${atCrash?.phase}, weight ${atCrash?.canaryWeight}`);
    assert.equal(atCrash?.phase, 'Progressing');

    operatorProcess(t, ns, 'second');
    await waitForPhase(ns, 'account', 'Succeeded', 90_000);
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(events.join('\n'));
    assert.equal(
      events.filter((e) => /New revision detected! Scaling up/.test(e)).length,
      1,
      'the run was not restarted',
    );
    assert.equal(events.filter((e) => /Starting canary analysis/.test(e)).length, 1);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    const primary = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
    assert.equal(primary.spec?.template.spec?.containers[0]?.image, 'registry.example.com/shop/account:1.1.0');
  });

  test('a new revision during analysis restarts the analysis and the newest revision is promoted', async (t) => {
    const ns = await freshNamespace(t, kc, 'rerun');
    await apply(appConfigMap(ns, 'account', { k: 'v1' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(seedLikeCanary(ns, 'account', { hpa: false, analysis: { stepWeight: 10, maxWeight: 50 } }));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
    await eventually(
      'weight 20 reached',
      async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= 20 || undefined,
    );
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.2.0');
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(events.join('\n'));
    assert.ok(
      events.some((e) => /New revision detected! Restarting analysis for account\./.test(e)),
      events.join('\n'),
    );
    const primary = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
    assert.equal(primary.spec?.template.spec?.containers[0]?.image, 'registry.example.com/shop/account:1.2.0');
  });

  test('bad canaries get a condition and a Warning naming the problem and the fix; a good one beside them is promoted', async (t) => {
    const ns = await freshNamespace(t, kc, 'bad');
    // A healthy canary that must keep working while its neighbours are broken.
    await apply(appConfigMap(ns, 'good', { k: 'v1' }), appDeployment(ns, 'good', { replicas: 1 }));
    await apply(seedLikeCanary(ns, 'good', { hpa: false, analysis: { stepWeight: 50 } }));
    // 1. The target does not exist.
    await apply(seedLikeCanary(ns, 'ghost', { hpa: false }));
    // 2. The Deployment's selector has none of the selector labels.
    await apply(
      appConfigMap(ns, 'nolabel', { k: 'v1' }),
      appDeployment(ns, 'nolabel', { replicas: 1, labels: { tier: 'web' } }),
    );
    await apply(seedLikeCanary(ns, 'nolabel', { hpa: false }));
    // 3. autoscalerRef names an HPA that does not exist.
    await apply(appConfigMap(ns, 'nohpa', { k: 'v1' }), appDeployment(ns, 'nohpa', { replicas: 1 }));
    await apply(seedLikeCanary(ns, 'nohpa'));
    await startTestOperator(t, ns);

    const expectations: [string, RegExp][] = [
      ['ghost', /deployment .*ghost.* not found/i],
      ['nolabel', /selector/i],
      ['nohpa', /horizontalpodautoscaler .*nohpa.* not found/i],
    ];
    for (const [name, pattern] of expectations) {
      const c = await eventually(`Reconciled=False on ${name}`, async () => {
        const found = await condition(ns, name, 'Reconciled');
        return found?.status === 'False' ? found : undefined;
      });
      assert.match(c.message ?? '', pattern);
      const events = await canaryEvents(ns, name);
      assert.ok(
        events.some((e) => e.startsWith('Warning') && pattern.test(e)),
        `${name}: ${events.join('\n')}`,
      );
      t.diagnostic(`${name}: ${c.reason}: ${c.message}`);
    }

    await waitForPhase(ns, 'good', 'Initialized');
    await setImage(ns, 'good', 'registry.example.com/shop/good:2.0.0');
    await waitForPhase(ns, 'good', 'Succeeded', 60_000);

    // Fixing the input clears the condition.
    await apply(appHpa(ns, 'nohpa', 1, 2));
    await eventually('nohpa reconciled', async () =>
      (await condition(ns, 'nohpa', 'Reconciled'))?.status === 'True' ? true : undefined,
    );
    await waitForPhase(ns, 'nohpa', 'Initialized');
  });

  test('a ConfigMap that disappears mid-release is reported and the release waits; restoring it lets it finish', async (t) => {
    const ns = await freshNamespace(t, kc, 'cmgone');
    await apply(appConfigMap(ns, 'account', { k: 'v1' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(seedLikeCanary(ns, 'account', { hpa: false, analysis: { stepWeight: 10, maxWeight: 50 } }));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
    await eventually(
      'progressing',
      async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= 10 || undefined,
    );

    await core.deleteNamespacedConfigMap({ name: 'account-config', namespace: ns });
    const c = await eventually('Reconciled=False', async () => {
      const found = await condition(ns, 'account', 'Reconciled');
      return found?.status === 'False' ? found : undefined;
    });
    t.diagnostic(`${c.reason}: ${c.message}`);
    assert.match(c.message ?? '', /configmap .*account-config.* not found/i);
    const held = (await readCanary(ns, 'account')).status;
    assert.equal(held?.phase, 'Progressing', 'the release is held, not failed or promoted');

    await apply(appConfigMap(ns, 'account', { k: 'v1' }));
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
  });
});
