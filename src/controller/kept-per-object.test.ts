/**
 * What the controller keeps per frozen object (a canary's parts, its tick period, a target's
 * selector label) is a function of that object alone: a change is another
 * object, and these tests check that each change is seen at once, on the simulator's cluster.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { providerRegistry } from '../routers/providers.js';
import { RouterSet } from '../routers/registry.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import { TargetRegistry } from '../targets/registry.js';
import { accountCanary } from './account.test-support.js';
import { CanaryController } from './controller.js';
import type { Reconciler } from './reconciler.js';
import { ReleaseParts } from './release-parts.js';

const CANARY_REF = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', namespace: 'shop', name: 'account' };
const DEPLOYMENT_REF = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'account' };

async function world(): Promise<{ cluster: MemoryCluster; canary: () => Canary }> {
  const cluster = new MemoryCluster({ now: () => 0 });
  const canary = accountCanary({ interval: '1m', threshold: 2, stepWeight: 10, maxWeight: 50 });
  await cluster.create({ ...canary, spec: { provider: 'appmesh:v1beta2', ...(canary.spec as object) } });
  await cluster.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'account' } },
      template: { metadata: { labels: { app: 'account' } }, spec: { containers: [{ name: 'app', image: 'a:1' }] } },
    },
  });
  return { cluster, canary: () => cluster.get<Canary>(CANARY_REF)! };
}

describe('kept per frozen object, seen again on every change', () => {
  test("a canary's router follows its spec.provider; a provider Serin lacks is a problem naming the canary", async () => {
    const { cluster, canary } = await world();
    const routers = new RouterSet(providerRegistry('kubernetes'), cluster);
    const parts = new ReleaseParts(new TargetRegistry().bind(cluster, {}), routers);
    const first = parts.of(canary());
    assert.ok(first.ok);
    assert.equal(first.provider.name, 'appmesh:v1beta2');
    assert.equal(parts.of(canary()), first, 'the same spec gives the very parts found before');
    await cluster.patch(CANARY_REF, { spec: { provider: 'kubernetes' } });
    const second = parts.of(canary());
    assert.ok(second.ok);
    assert.equal(second.provider.name, 'kubernetes');
    assert.notEqual(second.router, first.router);
    await cluster.patch(CANARY_REF, { spec: { provider: 'nonsense' } });
    const third = parts.of(canary());
    assert.ok(!third.ok);
    assert.match(third.problem.message, /provider nonsense is not supported/);
  });

  test("a target's selector label is read again when the target changes", async () => {
    const { cluster, canary } = await world();
    const target = new TargetRegistry().bind(cluster, {}).forKind('Deployment')!;
    assert.deepEqual(target.metadata(canary()), {
      ok: true,
      value: { labelKey: 'app', labelValue: 'account', ports: {} },
    });
    const deployment = cluster.get<KubeObject & { spec: object }>(DEPLOYMENT_REF)!;
    await cluster.update({ ...deployment, spec: { ...deployment.spec, selector: { matchLabels: { name: 'acc' } } } });
    assert.deepEqual(target.metadata(canary()), {
      ok: true,
      value: { labelKey: 'name', labelValue: 'acc', ports: {} },
    });
    await cluster.update({
      ...cluster.get<KubeObject & { spec: object }>(DEPLOYMENT_REF)!,
      spec: { ...deployment.spec, selector: { matchLabels: { tier: 'web' } } },
    });
    const refused = target.metadata(canary());
    assert.ok(!refused.ok);
    assert.match(refused.problem.message, /spec\.selector\.matchLabels must contain one of \[app name/);
  });

  test('a new analysis interval re-arms the tick at once', async () => {
    const { cluster, canary } = await world();
    const timers: number[] = [];
    const clock = { now: () => 0, setTimer: (_fn: () => void, ms: number) => (timers.push(ms), { cancel() {} }) };
    const reconciler = { reconcile: () => Promise.resolve({ stepped: false }) } as unknown as Reconciler;
    const controller = new CanaryController(
      { cluster, reconciler, targets: new TargetRegistry().bind(cluster, {}), clock, log: pino({ enabled: false }) },
      { intervalMs: (c) => (c.spec.analysis.interval === '1m' ? 60_000 : 30_000), ownedKinds: [] },
    );
    controller.start();
    await cluster.updateStatus({ ...canary(), status: { phase: 'Initialized' } } as unknown as KubeObject);
    await cluster.patch(CANARY_REF, { spec: { analysis: { interval: '30s' } } });
    await new Promise((r) => setImmediate(r));
    controller.stop();
    assert.deepEqual(timers, [0, 30_000], 'a status write re-arms nothing; the new interval does');
  });
});
