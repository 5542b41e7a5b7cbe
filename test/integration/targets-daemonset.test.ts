/**
 * The operator releases a DaemonSet behind App Mesh on the real test cluster: kube-controller-manager's
 * DaemonSet controller schedules the pods onto the kwok node, kwok runs them (or keeps them unready).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppsV1Api, type V1DaemonSet } from '@kubernetes/client-node';
import { UNREADY_ANNOTATION } from '../../src/devcluster/kwok-stages.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { appMeshWeights, canaryEvents, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply } from '../support/user.js';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const SCALE_TO_ZERO = 'flagger.app/scale-to-zero';
const RELEASED = 'registry.example.com/shop/account:1.1.0';

/** The seed's account app as a DaemonSet (the Deployment fixture without replicas, RollingUpdate). */
function appDaemonSet(ns: string, options: Parameters<typeof appDeployment>[2] = {}): KubeObject {
  const deployment = appDeployment(ns, 'account', options);
  const spec = Object.entries(deployment.spec as Record<string, unknown>).filter(([k]) => k !== 'replicas');
  return {
    ...deployment,
    kind: 'DaemonSet',
    spec: { ...Object.fromEntries(spec), updateStrategy: { type: 'RollingUpdate' } },
  };
}

/** The seed-like Canary for the DaemonSet `account` (no HPA: a DaemonSet has no replicas to scale). */
function daemonSetCanary(ns: string, progressDeadlineSeconds = 60): KubeObject {
  return seedLikeCanary(ns, 'account', {
    hpa: false,
    progressDeadlineSeconds,
    analysis: { stepWeight: 40, maxWeight: 80 },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'account' } },
  });
}

const read = (ns: string, name: string) => apps.readNamespacedDaemonSet({ name, namespace: ns });
const image = (ds: V1DaemonSet) => ds.spec?.template.spec?.containers[0]?.image;
const atZero = (ds: V1DaemonSet) => ds.spec?.template.spec?.nodeSelector?.[SCALE_TO_ZERO] === 'true';

/** Given an initialized DaemonSet canary: the primary runs on the node, the target on none. */
async function initialized(ns: string): Promise<void> {
  await waitForPhase(ns, 'account', 'Initialized', 60_000);
  const primary = await read(ns, 'account-primary');
  assert.equal(primary.spec?.selector.matchLabels?.app, 'account-primary');
  assert.equal(image(primary), 'registry.example.com/shop/account:1.0.0');
  assert.equal(primary.spec?.template.spec?.volumes?.[0]?.configMap?.name, 'account-config-primary');
  const status = primary.status;
  assert.ok((status?.desiredNumberScheduled ?? 0) >= 1, 'the DaemonSet controller scheduled the primary on the node');
  assert.equal(status?.numberAvailable, status?.desiredNumberScheduled, 'primary pods available');
  await eventually(
    'the target scaled to zero: no node matches its node selector',
    async () => {
      const target = await read(ns, 'account');
      return atZero(target) && target.status?.desiredNumberScheduled === 0 ? true : undefined;
    },
    30_000,
  );
  assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
}

describe('the operator releases a DaemonSet behind App Mesh', () => {
  test('Given an initialized DaemonSet canary, When a new image is applied, Then it is analysed, promoted to account-primary, and the target goes back to zero', async (t) => {
    const ns = await freshNamespace(t, kc, 'ds-happy');
    await apply(appConfigMap(ns, 'account', { 'application.properties': 'mode=blue' }), appDaemonSet(ns));
    await apply(daemonSetCanary(ns));
    await startTestOperator(t, ns);
    await initialized(ns);

    await new Promise((r) => setTimeout(r, 3000)); // three intervals
    const steady = await readCanary(ns, 'account');
    assert.equal(steady.status?.phase, 'Initialized', 'scaling the target to zero is not a new revision');

    // A GitOps apply of the new image: Serin's node selector stays (another field manager owns it).
    await apply(appDaemonSet(ns, { image: RELEASED }));
    await waitForPhase(ns, 'account', 'Succeeded', 90_000);

    assert.equal(image(await read(ns, 'account-primary')), RELEASED);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    await eventually('the target back at zero', async () => (atZero(await read(ns, 'account')) ? true : undefined));
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(`kubectl describe canary account -n ${ns}\n${events.join('\n')}`);
    const expected = [
      /Initialization done! account\./,
      /New revision detected! Scaling up account\./,
      /Advance account\.\S+ canary weight 40/,
      /Advance account\.\S+ canary weight 80/,
      /Copying account\.\S+ template spec to account-primary\./,
      /Promotion completed! Scaling down account\./,
    ];
    let at = 0;
    for (const p of expected) {
      const i = events.findIndex((e, n) => n >= at && p.test(e));
      assert.ok(i >= 0, `an event matching ${p} after position ${at}:\n${events.join('\n')}`);
      at = i + 1;
    }
    assert.equal(events.filter((e) => /New revision detected/.test(e)).length, 1, 'one run');
  });

  test('Given an initialized DaemonSet canary, When an image whose pods never get ready is applied, Then the run stops at the progress deadline and is rolled back; the primary keeps serving', async (t) => {
    const ns = await freshNamespace(t, kc, 'ds-unready');
    await apply(appConfigMap(ns, 'account', { 'application.properties': 'mode=blue' }), appDaemonSet(ns));
    await apply(daemonSetCanary(ns, 10));
    await startTestOperator(t, ns);
    await initialized(ns);

    await apply(
      appDaemonSet(ns, {
        image: 'registry.example.com/shop/account:2.0.0-broken',
        annotations: { [UNREADY_ANNOTATION]: 'true' },
      }),
    );
    const failed = await waitForPhase(ns, 'account', 'Failed', 60_000);
    assert.equal(failed.status?.canaryWeight, 0);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    assert.equal(image(await read(ns, 'account-primary')), 'registry.example.com/shop/account:1.0.0', 'untouched');
    await eventually('the target back at zero', async () => (atZero(await read(ns, 'account')) ? true : undefined));
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(events.join('\n'));
    for (const p of [
      /canary damonset account\.\S+ not ready with retryable true: waiting for rollout to finish: 0 of 1 \(readyThreshold 100%\) updated pods are available/,
      /canary damonset account\.\S+ not ready with retryable false: exceeded its progressDeadlineSeconds: 10/,
      /Warning\s+Synced\s+Canary failed! Scaling down account\./,
    ])
      assert.ok(
        events.some((e) => p.test(e)),
        `an event matching ${p}:\n${events.join('\n')}`,
      );
  });
});
