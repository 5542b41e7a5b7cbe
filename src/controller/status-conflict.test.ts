import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { WriteOptions } from '../kube/cluster.js';
import type { KubeObject } from '../kube/objects.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import type { Scenario } from '../sim/scenario.js';
import { SimWorld } from '../sim/world.js';
import { accountCanary, accountDeployment } from './account.test-support.js';
import { PAUSED_ANNOTATION } from '../api/index.js';

const REF = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', namespace: 'shop', name: 'account' } as const;

/**
 * A cluster where a person runs `serin pause` at the worst moment: after the operator has set the
 * weights of a step and recorded its event, before it writes the status that says so.
 */
class PauseMidTick extends MemoryCluster {
  paused = false;

  override async updateStatus<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    const status = (obj as unknown as Canary).status;
    if (!this.paused && obj.kind === 'Canary' && status?.phase === 'Progressing' && status.canaryWeight === 20) {
      this.paused = true;
      await this.patch(REF, { metadata: { annotations: { [PAUSED_ANNOTATION]: 'true' } } });
    }
    return super.updateStatus(obj, options);
  }
}

test('a status write that conflicts with a user edit made mid-tick still records what the tick did', async () => {
  const canary = accountCanary();
  const deployment = accountDeployment('account:1.0.0');
  const scenario: Scenario = {
    apiVersion: 'serin.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'pause-mid-tick' },
    versions: [{ name: 'healthy' }],
  };
  let cluster: PauseMidTick | undefined;
  const world = new SimWorld({
    scenario,
    defaultProvider: 'appmesh:v1beta2',
    startTime: Date.parse('2026-01-01T00:00:00Z'),
    cluster: (now) => (cluster = new PauseMidTick({ now })),
  });
  await world.start([canary, deployment]);
  await world.run(world.clock.now() + 2 * 60_000, () => false);
  await world.cluster.patch(
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'account' },
    { spec: { template: { spec: { containers: [{ name: 'app', image: 'account:1.1.0' }] } } } },
  );
  await world.run(world.clock.now() + 15 * 60_000, () => false);
  world.stop();

  assert.ok(cluster?.paused, 'the pause landed mid-tick');
  const live = world.cluster.get<Canary>(REF);
  const router = world.routers.routerFor(world.routers.registry.resolve(live!));
  const routes = router.ok ? router.router.routes(live!) : undefined;
  assert.equal(live?.status?.phase, 'Progressing');
  assert.equal(live?.status?.canaryWeight, 20, 'the status says what the router was told');
  assert.deepEqual(routes && 'primary' in routes ? [routes.primary, routes.canary] : routes, [80, 20]);
});
