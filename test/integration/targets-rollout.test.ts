import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../src/kube/objects.js';
import { DeploymentTarget } from '../../src/targets/deployment.js';
import type { Deployment, HorizontalPodAutoscaler } from '../../src/targets/kube-types.js';
import {
  app,
  canary,
  CANARY,
  CM,
  configMap,
  create,
  DEPLOY,
  given,
  gone,
  HPA_V2,
  hpa,
  isAvailable,
  recordingWrites,
  until,
} from './targets-fixtures.js';

const props = { 'application.properties': 'server.port=8180\n' };
const nowhere = { 'serin.dev/no-such-node': 'true' };
const observed = (d: Deployment) => (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);

describe('DeploymentTarget: readiness, in Flagger’s words', () => {
  test('Given a Deployment whose pods cannot be scheduled, Then the canary is not ready with Flagger’s message, retriable until the progress deadline has passed', async (t) => {
    const f = await given(t, 'unsched');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns, { nodeSelector: nowhere }));
    const cd = await canary(f, { progressDeadlineSeconds: 60 });
    await until<Deployment>(
      f,
      f.ref(DEPLOY, 'account'),
      'status of 2 pending replicas',
      (d) => observed(d) && d.status?.updatedReplicas === 2,
    );

    assert.deepEqual(f.target.canaryReadiness(cd, Date.now()), {
      ready: false,
      retriable: true,
      reason: `canary deployment account.${f.ns} not ready: waiting for rollout to finish: 0 of 2 (readyThreshold 100%) updated replicas are available`,
    });
    const later = f.target.canaryReadiness(cd, Date.now() + 61_000);
    assert.equal(
      !later.ready && later.retriable,
      false,
      'MinimumReplicasUnavailable for longer than progressDeadlineSeconds',
    );

    const half = { ...cd, spec: { ...cd.spec, analysis: { ...cd.spec.analysis, canaryReadyThreshold: 50 } } };
    const r = f.target.canaryReadiness(half, Date.now());
    assert.match(!r.ready ? r.reason : '', /0 of 1 \(readyThreshold 50%\) updated replicas are available$/);

    assert.deepEqual(f.target.primaryReadiness(cd, Date.now()), {
      ready: false,
      retriable: true,
      reason: `deployment account-primary.${f.ns} get query error: deployments.apps "account-primary" not found`,
    });
  });

  test('Given an Available Deployment whose new template cannot be scheduled, Then the canary waits for updated replicas', async (t) => {
    const f = await given(t, 'rolling');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns));
    const cd = await canary(f);
    await until(f, f.ref(DEPLOY, 'account'), 'account Available', isAvailable);
    assert.deepEqual(f.target.canaryReadiness(cd, Date.now()), { ready: true });

    await f.cluster.patch(f.ref(DEPLOY, 'account'), { spec: { template: { spec: { nodeSelector: nowhere } } } });
    await until<Deployment>(
      f,
      f.ref(DEPLOY, 'account'),
      'one surge replica',
      (d) => observed(d) && d.status?.updatedReplicas === 1,
    );
    const r = f.target.canaryReadiness(cd, Date.now());
    assert.equal(
      !r.ready && r.reason,
      `canary deployment account.${f.ns} not ready: waiting for rollout to finish: 1 out of 2 new replicas have been updated`,
    );
  });
});

describe('DeploymentTarget: promotion and scaling', () => {
  test('Given a bootstrapped primary and a new image and config, When promote runs, Then the primary takes the template and the -primary ConfigMap the data; promoting again writes nothing', async (t) => {
    const f = await given(t, 'promote');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns, { replicas: 1 }));
    const cd = await canary(f);
    assert.ok((await f.target.ensurePrimary(cd)).ok);
    const before = await until<Deployment>(f, f.ref(DEPLOY, 'account-primary'), 'primary Available', isAvailable);

    const image = 'registry.example.com/shop/account:1.0.1';
    await f.cluster.patch(f.ref(DEPLOY, 'account'), {
      spec: { template: { spec: { containers: [{ name: 'account', image }] } } },
    });
    await f.cluster.patch(f.ref(CM, 'account-config'), { data: { 'application.properties': 'server.port=9090\n' } });
    await until<Deployment>(
      f,
      f.ref(DEPLOY, 'account'),
      'new image cached',
      (d) => d.spec.template.spec.containers[0]?.image === image,
    );
    await until(f, f.ref(CM, 'account-config'), 'new data cached', (cm) => JSON.stringify(cm.data).includes('9090'));

    await f.target.promote(cd);
    const after = await until<Deployment>(
      f,
      f.ref(DEPLOY, 'account-primary'),
      'primary promoted and ready by Flagger’s rules (old replicas gone too)',
      (d) =>
        d.spec.template.spec.containers[0]?.image === image &&
        observed(d) &&
        isAvailable(d) &&
        f.target.primaryReadiness(cd, Date.now()).ready,
    );
    assert.deepEqual(after.spec.selector, before.spec.selector, 'the selector never changes');
    assert.equal(after.spec.template.spec.volumes?.[0]?.configMap?.name, 'account-config-primary');
    assert.notEqual(
      after.spec.template.metadata?.annotations?.['flagger-id'],
      before.spec.template.metadata?.annotations?.['flagger-id'],
    );
    assert.deepEqual(f.cluster.get<KubeObject>(f.ref(CM, 'account-config-primary'))?.data, {
      'application.properties': 'server.port=9090\n',
    });

    const recorded = recordingWrites(f.cluster);
    const steady = new DeploymentTarget({ cluster: recorded.cluster });
    await steady.promote(cd);
    assert.ok((await steady.ensurePrimary(cd)).ok);
    assert.deepEqual(recorded.writes, [], 'nothing differs, nothing is written');
  });

  test('Given a primary, When the target is scaled to zero and up, Then it comes back with the primary’s replicas; finalize gives it the primary’s count too', async (t) => {
    const f = await given(t, 'scale');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns, { replicas: 2 }));
    const cd = await canary(f);
    assert.ok((await f.target.ensurePrimary(cd)).ok);
    await until(f, f.ref(DEPLOY, 'account-primary'), 'primary cached', () => true);
    const replicas = (n: number) => (d: Deployment) => d.spec.replicas === n;

    await f.target.scaleToZero(cd);
    await until(f, f.ref(DEPLOY, 'account'), 'target at 0', replicas(0));
    // A target at zero has nothing to wait for once the controller has removed its pods.
    await until(
      f,
      f.ref(DEPLOY, 'account'),
      'canary ready at zero',
      () => f.target.canaryReadiness(cd, Date.now()).ready,
    );
    await f.target.scaleUp(cd);
    await until(f, f.ref(DEPLOY, 'account'), 'target back at 2', replicas(2));

    await f.target.scaleToZero(cd);
    await until(f, f.ref(DEPLOY, 'account'), 'target at 0 again', replicas(0));
    await f.target.finalize(cd);
    await until(f, f.ref(DEPLOY, 'account'), 'target restored to the primary’s 2', replicas(2));
  });
});

describe('DeploymentTarget: HorizontalPodAutoscaler', () => {
  test('Given a Canary whose autoscalerRef says autoscaling/v2beta2, Then the primary HPA is created in autoscaling/v2 for account-primary, follows the target HPA, and scale-up uses its minimum', async (t) => {
    const f = await given(t, 'hpa');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns, { replicas: 3 }), hpa(f.ns, 'account', 3, 5));
    const autoscalerRef = {
      apiVersion: 'autoscaling/v2beta2',
      kind: 'HorizontalPodAutoscaler',
      name: 'account',
      primaryScalerReplicas: { maxReplicas: 6 },
    };
    const cd = await canary(f, { autoscalerRef });
    assert.ok((await f.target.ensurePrimary(cd)).ok);
    assert.deepEqual(await f.target.ensurePrimaryScaler(cd), { ok: true, value: undefined });

    const primaryHpa = await until<HorizontalPodAutoscaler>(
      f,
      f.ref(HPA_V2, 'account-primary'),
      'primary HPA cached',
      () => true,
    );
    assert.deepEqual(primaryHpa.spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'account-primary',
    });
    assert.equal(primaryHpa.spec.minReplicas, 3);
    assert.equal(primaryHpa.spec.maxReplicas, 6, 'primaryScalerReplicas overrides the copied bound');
    assert.equal(primaryHpa.metadata.ownerReferences?.[0]?.uid, cd.metadata?.uid);

    const metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
    ];
    await f.cluster.patch(f.ref(HPA_V2, 'account'), { spec: { metrics } });
    await until<HorizontalPodAutoscaler>(f, f.ref(HPA_V2, 'account'), 'target HPA change cached', (h) =>
      JSON.stringify(h.spec.metrics).includes('60'),
    );
    assert.ok((await f.target.ensurePrimaryScaler(cd)).ok);
    await until<HorizontalPodAutoscaler>(f, f.ref(HPA_V2, 'account-primary'), 'primary HPA follows', (h) =>
      JSON.stringify(h.spec.metrics).includes('60'),
    );
    const recorded = recordingWrites(f.cluster);
    assert.ok((await new DeploymentTarget({ cluster: recorded.cluster }).ensurePrimaryScaler(cd)).ok);
    assert.deepEqual(recorded.writes, [], 'in step: no write');

    await f.target.scaleToZero(cd);
    await until<Deployment>(f, f.ref(DEPLOY, 'account'), 'target at 0', (d) => d.spec.replicas === 0);
    await f.target.scaleUp(cd);
    await until<Deployment>(f, f.ref(DEPLOY, 'account'), 'target at the HPA minimum', (d) => d.spec.replicas === 3);

    await f.cluster.delete(f.ref(CANARY, 'account'));
    await gone(f, 'primary HPA collected with the Canary', f.ref(HPA_V2, 'account-primary'));
  });
});
