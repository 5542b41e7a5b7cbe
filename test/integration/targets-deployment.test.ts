import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../src/targets/kube-types.js';
import { specHash } from '../../src/targets/revision.js';
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
  isAvailable,
  until,
} from './targets-fixtures.js';
import type { KubeObject } from '../../src/kube/objects.js';

/** The same value with every object's keys in reverse order. */
function reversedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reversedKeys) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, x]) => [k, reversedKeys(x)]),
  ) as T;
}

const props = { 'application.properties': 'server.port=8180\n' };

describe('DeploymentTarget: bootstrap of the primary', () => {
  test('Given the seed account Deployment with its ConfigMap, When ensurePrimary runs, Then account-primary becomes Available with primary labels and its own -primary ConfigMap, owned by the Canary', async (t) => {
    const f = await given(t, 'boot', { includeLabelPrefixes: ['app.kubernetes.io'] });
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns));
    const cd = await canary(f);

    // Twice before the cache has seen the first: the second finds everything already there.
    assert.deepEqual(await f.target.ensurePrimary(cd), { ok: true, value: undefined });
    assert.deepEqual(await f.target.ensurePrimary(cd), { ok: true, value: undefined });

    const primary = await until<Deployment>(
      f,
      f.ref(DEPLOY, 'account-primary'),
      'account-primary Available',
      isAvailable,
    );
    assert.deepEqual(primary.spec.selector.matchLabels, { app: 'account-primary' });
    assert.equal(primary.spec.template.metadata?.labels?.app, 'account-primary');
    assert.deepEqual(primary.metadata.labels, { app: 'account-primary', 'app.kubernetes.io/part-of': 'shop' });
    assert.equal(primary.spec.replicas, 2);
    assert.equal(primary.spec.template.spec.volumes?.[0]?.configMap?.name, 'account-config-primary');
    assert.deepEqual(primary.metadata.ownerReferences, [
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        name: 'account',
        uid: cd.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const copy = f.cluster.get<KubeObject>(f.ref(CM, 'account-config-primary'));
    assert.deepEqual(copy?.data, props);
    assert.equal(copy?.metadata.ownerReferences?.[0]?.uid, cd.metadata?.uid);
    assert.deepEqual(f.target.primaryReadiness(cd, Date.now()), { ready: true });
    assert.deepEqual(f.target.metadata(cd), {
      ok: true,
      value: { labelKey: 'app', labelValue: 'account', ports: { http: 8180 } },
    });
  });

  test('Given a bootstrapped primary, When the Canary is deleted, Then the controller-manager garbage-collects the primary and its ConfigMap', async (t) => {
    const f = await given(t, 'gc');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns, { replicas: 1 }));
    const cd = await canary(f);
    assert.ok((await f.target.ensurePrimary(cd)).ok);
    await until(f, f.ref(DEPLOY, 'account-primary'), 'primary cached', () => true);

    await f.cluster.delete(f.ref(CANARY, 'account'));
    await gone(
      f,
      'primary Deployment and ConfigMap collected',
      f.ref(DEPLOY, 'account-primary'),
      f.ref(CM, 'account-config-primary'),
    );
    assert.ok(f.cluster.get(f.ref(DEPLOY, 'account')), 'the target itself is the user’s and stays');
  });
});

describe('DeploymentTarget: revision', () => {
  test('Given two Deployments whose templates are written in different key order, Then their revisions are equal; an annotation on the Deployment object changes nothing, an image or ConfigMap data change does', async (t) => {
    const f = await given(t, 'rev');
    const a = app(f.ns);
    const b = app(f.ns, { name: 'other', selector: { app: 'account' } });
    b.spec.template = reversedKeys(a.spec.template);
    await create(f, configMap(f.ns, 'account-config', props), a, b);
    const cdA = await canary(f);
    const cdB = await canary(f, {}, 'other');

    const first = f.target.revision(cdA);
    assert.ok(first.ok);
    assert.equal(first.value.spec, specHash(f.cluster.get<Deployment>(f.ref(DEPLOY, 'account'))?.spec.template));
    assert.deepEqual(f.target.revision(cdB), first, 'same template, same revision');
    assert.match(first.value.trackedConfigs?.['configmap/account-config'] ?? '', /^[0-9a-f]{16}$/);

    await f.cluster.patch(f.ref(DEPLOY, 'account'), { metadata: { annotations: { note: 'not a release' } } });
    await until(f, f.ref(DEPLOY, 'account'), 'annotation cached', (d) => d.metadata.annotations?.note !== undefined);
    assert.deepEqual(f.target.revision(cdA), first, 'Deployment metadata is not part of the revision');

    const image = {
      spec: {
        template: { spec: { containers: [{ name: 'account', image: 'registry.example.com/shop/account:1.0.1' }] } },
      },
    };
    await f.cluster.patch(f.ref(DEPLOY, 'account'), image);
    await until<Deployment>(
      f,
      f.ref(DEPLOY, 'account'),
      'image cached',
      (d) => d.spec.template.spec.containers[0]?.image?.toString().endsWith('1.0.1') ?? false,
    );
    const second = f.target.revision(cdA);
    assert.ok(second.ok);
    assert.notEqual(second.value.spec, first.value.spec);
    assert.deepEqual(second.value.trackedConfigs, first.value.trackedConfigs);

    await f.cluster.patch(f.ref(CM, 'account-config'), { data: { 'application.properties': 'server.port=9090\n' } });
    await until(f, f.ref(CM, 'account-config'), 'data cached', (cm) => JSON.stringify(cm.data).includes('9090'));
    const third = f.target.revision(cdA);
    assert.ok(third.ok);
    assert.equal(third.value.spec, second.value.spec, 'config data is not part of the template hash');
    assert.notEqual(
      third.value.trackedConfigs?.['configmap/account-config'],
      second.value.trackedConfigs?.['configmap/account-config'],
    );
  });
});

describe('DeploymentTarget: problems a user must fix', () => {
  test('Given no Deployment, Then metadata, revision and ensurePrimary name it and say what to do', async (t) => {
    const f = await given(t, 'missing');
    const cd = await canary(f);
    const problem = {
      message: `deployment ${f.ns}/account not found`,
      fix: 'create the Deployment, or correct spec.targetRef.name',
    };
    assert.deepEqual(f.target.metadata(cd), { ok: false, problem });
    assert.deepEqual(f.target.revision(cd), { ok: false, problem });
    assert.deepEqual(await f.target.ensurePrimary(cd), { ok: false, problem });
    await assert.rejects(f.target.scaleToZero(cd), { name: 'TargetProblemError', message: problem.message });
  });

  test('Given a Deployment selected by none of the selector labels, Then metadata names the labels', async (t) => {
    const f = await given(t, 'nolabel');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns, { selector: { component: 'account' } }));
    const r = f.target.metadata(await canary(f));
    assert.equal(r.ok, false);
    assert.equal(
      !r.ok && r.problem.message,
      `deployment ${f.ns}/account spec.selector.matchLabels must contain one of [app name app.kubernetes.io/name]`,
    );
  });

  test('Given a Deployment whose required ConfigMap is missing, Then revision and ensurePrimary name it; an optional one may be missing', async (t) => {
    const f = await given(t, 'nocm');
    const d = app(f.ns);
    d.spec.template.spec.containers[0]!.envFrom = [{ configMapRef: { name: 'flags', optional: true } }];
    await create(f, d);
    const cd = await canary(f);
    const problem = {
      message: `configmap ${f.ns}/account-config referenced by deployment ${f.ns}/account not found`,
      fix: `create ConfigMap ${f.ns}/account-config, or mark the reference optional: true, or correct its name in the pod template`,
    };
    assert.deepEqual(f.target.revision(cd), { ok: false, problem });
    assert.deepEqual(await f.target.ensurePrimary(cd), { ok: false, problem });

    await create(f, configMap(f.ns, 'account-config', props));
    const r = f.target.revision(cd);
    assert.deepEqual(r.ok && Object.keys(r.value.trackedConfigs ?? {}), ['configmap/account-config']);
  });

  test('Given a Canary naming an HPA that does not exist, Then ensurePrimaryScaler names it', async (t) => {
    const f = await given(t, 'nohpa');
    await create(f, configMap(f.ns, 'account-config', props), app(f.ns));
    const cd = await canary(f, {
      autoscalerRef: { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', name: 'account' },
    });
    assert.deepEqual(await f.target.ensurePrimaryScaler(cd), {
      ok: false,
      problem: {
        message: `horizontalpodautoscaler ${f.ns}/account not found`,
        fix: 'create the HorizontalPodAutoscaler (autoscaling/v2), or correct or remove spec.autoscalerRef',
      },
    });
  });
});
