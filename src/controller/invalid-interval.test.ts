import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { SimWorld } from '../sim/world.js';
import { accountCanary } from './account.test-support.js';

test('an analysis.interval longer than 24 days is refused on the canary, and the operator does not spin', async () => {
  const world = new SimWorld({
    scenario: { apiVersion: 'serin.dev/v1alpha1', kind: 'Scenario', metadata: { name: 'long' }, versions: [] },
    defaultProvider: 'appmesh:v1beta2',
    startTime: Date.parse('2026-01-01T00:00:00Z'),
  });
  const canary = accountCanary({ interval: '40000m', threshold: 3, stepWeight: 10, maxWeight: 50 });
  await world.start([canary]);
  await world.run(world.clock.now() + 60 * 60_000, () => false);
  world.stop();
  const status = world.cluster.get<Canary>({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    namespace: 'shop',
    name: 'account',
  })?.status;
  const reconciled = status?.conditions?.find((c) => c.type === 'Reconciled');
  assert.equal(reconciled?.reason, 'InvalidSpec');
  assert.match(reconciled?.message ?? '', /analysis\.interval: 40000m is longer than 24 days/);
  const events = world.cluster.list<KubeObject & { count?: number }>({ apiVersion: 'v1', kind: 'Event' }, 'shop');
  assert.equal(events.length, 1, 'one Warning, not a stream of them');
  assert.ok((events[0]?.count ?? 1) <= 2);
});
