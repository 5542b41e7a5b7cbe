import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import { DAEMONSET_TARGET, DaemonSetTarget } from './daemonset.js';
import { SCALE_TO_ZERO_KEY } from './daemonset-primary.js';
import { DAEMON_SET, type DaemonSet } from './kube-types.js';
import { TargetRegistry } from './registry.js';

const NOW = Date.parse('2026-07-14T12:00:00Z');
const ref = (name: string) => ({ ...DAEMON_SET, namespace: 'shop', name });

/** The seed's account app as a DaemonSet: ConfigMap volume, named port, `app` selector label, a node selector of its own. */
function daemonSet(
  image = 'account:1',
  updateStrategy: Record<string, unknown> = { type: 'RollingUpdate' },
): DaemonSet {
  return {
    ...DAEMON_SET,
    metadata: { name: 'account', namespace: 'shop', labels: { app: 'account', 'app.kubernetes.io/part-of': 'shop' } },
    spec: {
      selector: { matchLabels: { app: 'account' } },
      minReadySeconds: 5,
      revisionHistoryLimit: 3,
      updateStrategy,
      template: {
        metadata: { labels: { app: 'account' } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [{ name: 'account', image, ports: [{ name: 'http', containerPort: 8180 }] }],
          volumes: [{ name: 'config', configMap: { name: 'account-config' } }],
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['account'] }] } },
              ],
            },
          },
        },
      },
    },
  };
}

const canaryObject = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'account', namespace: 'shop' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'account' },
    service: { port: 8180 },
    analysis: { interval: '1m', threshold: 3, stepWeight: 20, maxWeight: 60 },
    ...spec,
  },
});

/** An in-memory cluster with the account DaemonSet, its ConfigMap and its Canary; the target built on it. */
async function given(target = daemonSet(), canarySpec: Record<string, unknown> = {}) {
  const cluster = new MemoryCluster({ now: () => NOW });
  await cluster.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'account-config', namespace: 'shop' },
    data: { k: 'v1' },
  });
  await cluster.create(target);
  const canary = (await cluster.create(canaryObject(canarySpec))) as unknown as Canary;
  return { cluster, canary, ds: new DaemonSetTarget({ cluster }) };
}

const template = (cluster: MemoryCluster, name = 'account') => cluster.get<DaemonSet>(ref(name))!.spec.template;

describe('DaemonSetTarget: the primary', () => {
  test('builds account-primary from the DaemonSet: primary selector and labels, -primary configs, rollout settings, no replicas, owned by the Canary', async () => {
    const { cluster, canary, ds } = await given();
    assert.deepEqual(await ds.ensurePrimary(canary), { ok: true, value: undefined });
    const primary = cluster.get<DaemonSet>(ref('account-primary'))!;
    assert.deepEqual(primary.spec.selector, { matchLabels: { app: 'account-primary' } });
    assert.deepEqual(primary.spec.template.metadata?.labels, { app: 'account-primary' });
    assert.deepEqual(primary.metadata.labels, { app: 'account-primary' }, 'no label prefixes included by default');
    assert.equal(primary.spec.template.spec.volumes?.[0]?.configMap?.name, 'account-config-primary');
    assert.ok(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'account-config-primary' }));
    assert.deepEqual(
      [primary.spec.minReadySeconds, primary.spec.revisionHistoryLimit, primary.spec.updateStrategy],
      [5, 3, { type: 'RollingUpdate' }],
    );
    assert.equal(primary.spec.replicas, undefined);
    assert.equal(primary.metadata.ownerReferences?.[0]?.uid, canary.metadata?.uid);
    assert.deepEqual(
      primary.spec.template.spec.affinity,
      daemonSet().spec.template.spec.affinity,
      'no anti-affinity rewrite for DaemonSets',
    );
    assert.deepEqual(primary.spec.template.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
  });

  test('a primary created while the target is scaled to zero still runs on every node', async () => {
    const { cluster, canary, ds } = await given();
    await ds.scaleToZero(canary);
    assert.ok((await ds.ensurePrimary(canary)).ok);
    assert.deepEqual(template(cluster, 'account-primary').spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
  });

  test('promotion copies the new template without the scale-to-zero node selector; promoting again writes nothing', async () => {
    const { cluster, canary, ds } = await given();
    assert.ok((await ds.ensurePrimary(canary)).ok);
    await ds.scaleToZero(canary);
    await cluster.patch(ref('account'), {
      spec: { template: { spec: { containers: [{ name: 'account', image: 'account:2' }] } } },
    });
    await ds.promote(canary);
    const promoted = template(cluster, 'account-primary');
    assert.equal(promoted.spec.containers[0]?.image, 'account:2');
    assert.deepEqual(promoted.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.deepEqual(cluster.get<DaemonSet>(ref('account-primary'))?.spec.selector.matchLabels, {
      app: 'account-primary',
    });
    const updates = cluster.writes.update;
    await ds.promote(canary);
    assert.equal(cluster.writes.update, updates, 'in step: no write');
  });

  test('an autoscalerRef is a problem to fix: a DaemonSet has no replicas to scale', async () => {
    const { canary, ds } = await given();
    assert.deepEqual(await ds.ensurePrimaryScaler({ ...canary, spec: { ...canary.spec } }), {
      ok: true,
      value: undefined,
    });
    const withHpa = {
      ...canary,
      spec: { ...canary.spec, autoscalerRef: { kind: 'HorizontalPodAutoscaler', name: 'x' } },
    };
    const r = await ds.ensurePrimaryScaler(withHpa as Canary);
    assert.equal(r.ok, false);
    assert.match(
      !r.ok ? r.problem.message : '',
      /canary shop\/account: spec.autoscalerRef is not supported for a DaemonSet target/,
    );
  });
});

describe('DaemonSetTarget: update strategy', () => {
  test('an OnDelete DaemonSet is refused with Flagger’s message and a fix, from metadata and ensurePrimary, never thrown', async () => {
    const { cluster, canary, ds } = await given(daemonSet('account:1', { type: 'OnDelete' }));
    const problem = {
      message: 'daemonset account.shop must have RollingUpdate strategy but have OnDelete',
      fix: 'set spec.updateStrategy.type of DaemonSet shop/account to RollingUpdate',
    };
    assert.deepEqual(ds.metadata(canary), { ok: false, problem });
    assert.deepEqual(await ds.ensurePrimary(canary), { ok: false, problem });
    assert.equal(cluster.get(ref('account-primary')), undefined);
  });

  test('an empty strategy (the API default) is released; metadata names the selector label and ports', async () => {
    const { canary, ds } = await given(daemonSet('account:1', {}));
    assert.deepEqual(ds.metadata(canary), {
      ok: true,
      value: { labelKey: 'app', labelValue: 'account', ports: { http: 8180 } },
    });
  });
});

describe('DaemonSetTarget: scaling to zero with a node selector', () => {
  test('scaleToZero adds flagger.app/scale-to-zero: "true" to the pod template; scaleUp removes it and keeps the others', async () => {
    const { cluster, canary, ds } = await given();
    await ds.scaleToZero(canary);
    assert.deepEqual(template(cluster).spec.nodeSelector, { 'kubernetes.io/os': 'linux', [SCALE_TO_ZERO_KEY]: 'true' });
    const patches = cluster.writes.patch;
    await ds.scaleToZero(canary);
    assert.equal(cluster.writes.patch, patches, 'already at zero: no write');
    await ds.scaleUp(canary);
    assert.deepEqual(template(cluster).spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    await ds.scaleUp(canary);
    assert.equal(cluster.writes.patch, patches + 1, 'already up: no write');
  });

  test('finalize scales the target back from zero', async () => {
    const { cluster, canary, ds } = await given();
    await ds.scaleToZero(canary);
    await ds.finalize(canary);
    assert.equal(template(cluster).spec.nodeSelector?.[SCALE_TO_ZERO_KEY], undefined);
  });

  test('the revision does not change when Serin scales the target to zero and back, but does on an image change', async () => {
    const target = daemonSet();
    delete target.spec.template.spec.nodeSelector;
    const { cluster, canary, ds } = await given(target);
    const before = ds.revision(canary);
    await ds.scaleToZero(canary);
    assert.deepEqual(template(cluster).spec.nodeSelector, { [SCALE_TO_ZERO_KEY]: 'true' });
    assert.deepEqual(ds.revision(canary), before, 'at zero');
    await ds.scaleUp(canary);
    assert.deepEqual(template(cluster).spec.nodeSelector, {}, 'the merge patch leaves an empty selector');
    assert.deepEqual(ds.revision(canary), before, 'back up, with an empty selector');
    await cluster.patch(ref('account'), {
      spec: { template: { spec: { containers: [{ name: 'account', image: 'account:2' }] } } },
    });
    const after = ds.revision(canary);
    assert.ok(before.ok && after.ok);
    assert.notEqual(after.value.spec, before.value.spec);
  });
});

describe('DaemonSetTarget: readiness in Flagger’s words', () => {
  const status = (desired: number, updated: number, available: number, generation = 1) => ({
    observedGeneration: generation,
    desiredNumberScheduled: desired,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberReady: available,
  });

  test('wraps the canary’s reason as Flagger’s DaemonSet controller does (sic “damonset”), with retryable', async () => {
    const { cluster, canary, ds } = await given();
    const live = cluster.get<DaemonSet>(ref('account'))!;
    await cluster.updateStatus({ ...live, status: status(2, 1, 1) });
    assert.deepEqual(ds.canaryReadiness(canary, NOW), {
      ready: false,
      retriable: true,
      reason:
        'canary damonset account.shop not ready with retryable true: waiting for rollout to finish: 1 out of 2 new pods have been updated',
    });
  });

  test('measures the progress deadline from the Canary’s last status change', async () => {
    const { cluster, canary, ds } = await given();
    const live = cluster.get<DaemonSet>(ref('account'))!;
    await cluster.updateStatus({ ...live, status: status(2, 2, 0) });
    const since = { ...canary, status: { lastTransitionTime: new Date(NOW - 601_000).toISOString() } } as Canary;
    assert.deepEqual(ds.canaryReadiness(since, NOW), {
      ready: false,
      retriable: false,
      reason: 'canary damonset account.shop not ready with retryable false: exceeded its progressDeadlineSeconds: 600',
    });
  });

  test('the primary: Flagger’s GET error while missing, then its wrapped reason, then ready', async () => {
    const { cluster, canary, ds } = await given();
    assert.deepEqual(ds.primaryReadiness(canary, NOW), {
      ready: false,
      retriable: true,
      reason: 'daemonset account-primary.shop get query error: daemonsets.apps "account-primary" not found',
    });
    assert.ok((await ds.ensurePrimary(canary)).ok);
    const r = ds.primaryReadiness(canary, NOW);
    assert.equal(
      !r.ready && r.reason,
      'primary daemonset account-primary.shop not ready: waiting for rollout to finish: observed daemonset generation less than desired generation',
    );
    const primary = cluster.get<DaemonSet>(ref('account-primary'))!;
    await cluster.updateStatus({ ...primary, status: status(2, 2, 2) });
    assert.deepEqual(ds.primaryReadiness(canary, NOW), { ready: true });
  });
});

test('the target registry serves DaemonSets and caches DaemonSets, ConfigMaps and Secrets for them', () => {
  const registry = new TargetRegistry();
  assert.ok(registry.serves('DaemonSet'));
  assert.deepEqual(DAEMONSET_TARGET.gvk, DAEMON_SET);
  assert.ok(registry.kinds().some((k) => k.kind === 'DaemonSet' && k.apiVersion === 'apps/v1'));
  assert.match(registry.unsupported(canaryObject() as unknown as Canary).fix, /Deployment or DaemonSet/);
});
