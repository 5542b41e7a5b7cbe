/**
 * A DaemonSet canary played on the simulator (the operator's real controller, reconciler, engine,
 * targets and App Mesh router on an in-memory cluster and a virtual clock): initialization, a
 * release that is promoted, and one whose metrics fail and is rolled back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import type { Scenario } from '../sim/scenario.js';
import { SimWorld } from '../sim/world.js';
import { SCALE_TO_ZERO_KEY } from './daemonset-primary.js';
import { DAEMON_SET, type DaemonSet } from './kube-types.js';

const CANARY = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', namespace: 'shop', name: 'account' } as const;
const TARGET = { ...DAEMON_SET, namespace: 'shop', name: 'account' } as const;
const PRIMARY = { ...TARGET, name: 'account-primary' } as const;
const MINUTE = 60_000;

const scenario: Scenario = {
  apiVersion: 'serin.dev/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'daemonset' },
  versions: [
    { name: 'erroring', when: { image: 'account:3' }, metrics: { 'request-success-rate': 90 } },
    { name: 'healthy', metrics: { 'request-success-rate': 100 } },
  ],
};

const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'account-config', namespace: 'shop' }, data: { k: 'v' } },
  {
    ...DAEMON_SET,
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'account' } },
      template: {
        metadata: { labels: { app: 'account' } },
        spec: {
          containers: [{ name: 'account', image: 'account:1', ports: [{ name: 'http', containerPort: 8180 }] }],
          volumes: [{ name: 'config', configMap: { name: 'account-config' } }],
        },
      },
    },
  },
  {
    apiVersion: CANARY.apiVersion,
    kind: CANARY.kind,
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'account' },
      service: { port: 8180 },
      analysis: {
        interval: '1m',
        threshold: 2,
        stepWeight: 20,
        maxWeight: 60,
        metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
      },
    },
  },
];

const phase = (world: SimWorld) => world.cluster.get<Canary>(CANARY)?.status?.phase;
const image = (world: SimWorld, ref: typeof TARGET | typeof PRIMARY) =>
  world.cluster.get<DaemonSet>(ref)?.spec.template.spec.containers[0]?.image;
const scaledToZero = (world: SimWorld) =>
  world.cluster.get<DaemonSet>(TARGET)?.spec.template.spec.nodeSelector?.[SCALE_TO_ZERO_KEY] === 'true';
const events = (world: SimWorld) =>
  world.cluster
    .list<KubeObject & { message?: string }>({ apiVersion: 'v1', kind: 'Event' }, 'shop')
    .map((e) => e.message);

async function release(world: SimWorld, next: string, until: string): Promise<void> {
  await world.cluster.patch(TARGET, {
    spec: { template: { spec: { containers: [{ name: 'account', image: next }] } } },
  });
  await world.settle();
  await world.run(world.clock.now() + 30 * MINUTE, () => phase(world) === until);
}

test('a DaemonSet canary initializes, promotes a new image to account-primary, and rolls back one that fails its metrics', async () => {
  const world = new SimWorld({
    scenario,
    defaultProvider: 'appmesh:v1beta2',
    startTime: Date.parse('2026-01-01T00:00:00Z'),
  });
  await world.start(objects);
  await world.run(world.clock.now() + 5 * MINUTE, () => false);

  // Given an initialized canary: the primary runs on every node, the target on none.
  assert.equal(phase(world), 'Initialized', 'scaling the target to zero did not look like a new revision');
  assert.equal(image(world, PRIMARY), 'account:1');
  assert.ok(scaledToZero(world));
  assert.equal(world.cluster.get<DaemonSet>(PRIMARY)?.status?.numberAvailable, 2);
  assert.ok(events(world).includes('Initialization done! account.shop'));

  // When a new image is released, Then it is analysed and promoted.
  await release(world, 'account:2', 'Succeeded');
  assert.equal(phase(world), 'Succeeded');
  assert.equal(image(world, PRIMARY), 'account:2');
  assert.ok(scaledToZero(world), 'the target is back at zero');
  for (const m of [
    'New revision detected! Scaling up account.shop',
    'Advance account.shop canary weight 60',
    'Copying account.shop template spec to account-primary.shop',
    'Promotion completed! Scaling down account.shop',
  ])
    assert.ok(events(world).includes(m), `event “${m}” in:\n${events(world).join('\n')}`);

  // When an image whose pods answer errors is released, Then it is rolled back and the primary keeps serving.
  await release(world, 'account:3', 'Failed');
  world.stop();
  assert.equal(phase(world), 'Failed');
  assert.equal(image(world, PRIMARY), 'account:2', 'the primary untouched');
  assert.ok(scaledToZero(world));
  const last = events(world);
  assert.ok(last.includes('Rolling back account.shop failed checks threshold reached 2'), last.join('\n'));
  assert.ok(last.includes('Canary failed! Scaling down account.shop'), last.join('\n'));
});
