import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { ApiCluster } from '../../src/kube/api-cluster.js';
import { VIRTUAL_NODE, VIRTUAL_ROUTER } from '../../src/routers/appmesh-types.js';
import { appMeshQueries, httpQueries } from '../sim/flagger-queries.js';
import {
  MeshTrafficSimulator,
  POD,
  constantBehaviour,
  fromAnnotation,
  fromConfigMap,
  parseExposition,
  select,
  selectorsOf,
  simulatorKinds,
  type BehaviourOf,
  type Sample,
  type SimPod,
  type SimulatorSnapshot,
} from '../sim/index.js';
import { meshRoutes, meshVirtualNode, meshVirtualRouter } from '../sim/mesh-fixtures.js';
import { isReady } from '../sim/routing.js';
import { cached, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment } from '../support/fixtures.js';

const kc = testKubeConfig();
const UNREADY = 'kwok.serin.dev/unready';

interface World {
  readonly ns: string;
  readonly cluster: ApiCluster;
  simulator(behaviour: BehaviourOf, rps: number): MeshTrafficSimulator;
  setWeights(primary: number, canary: number): Promise<void>;
}

/**
 * Given the seed's account app as a canary release would leave it: Deployments `account-primary`
 * and `account` (2 kwok pods each, each with its own ConfigMap), VirtualNodes selecting them and
 * the VirtualRouter `account` at the given weights — all Ready in the cache.
 */
async function given(
  t: TestContext,
  weights: { primary: number; canary: number },
  app: { canaryProps?: string; primaryProps?: string; canaryAnnotations?: Record<string, string> } = {},
): Promise<World> {
  const ns = await freshNamespace(t, kc, 'sim');
  const cluster = await startApiCluster(t, simulatorKinds(), ns);
  const props = (text = '') => ({ 'application.properties': `server.port=8180\n${text}` });
  await cluster.create(appConfigMap(ns, 'account', props(app.canaryProps)));
  await cluster.create(appConfigMap(ns, 'account-primary', props(app.primaryProps)));
  await cluster.create(appDeployment(ns, 'account-primary'));
  const annotations = app.canaryAnnotations;
  await cluster.create(appDeployment(ns, 'account', annotations ? { annotations } : {}));
  await cluster.create(meshVirtualNode(ns, 'account-primary', { app: 'account-primary' }));
  await cluster.create(meshVirtualNode(ns, 'account-canary', { app: 'account' }));
  await cluster.create(meshVirtualRouter(ns, 'account', weights));
  await cached('4 Ready pods', () => (cluster.list<SimPod>(POD, ns).filter(isReady).length === 4 ? true : undefined));
  return {
    ns,
    cluster,
    simulator: (behaviour, rps) =>
      new MeshTrafficSimulator(
        { cluster },
        { namespace: ns, services: [{ apex: 'account', port: 8180 }], rps, tickMs: 1000, behaviour, seed: 7 },
      ),
    setWeights: async (primary, canary) => {
      await cluster.patch(
        { ...VIRTUAL_ROUTER, namespace: ns, name: 'account' },
        {
          spec: { routes: meshRoutes('account', { primary, canary }) },
        },
      );
    },
  };
}

/** Canary share of the requests between two snapshots. */
function canaryShare(before: SimulatorSnapshot | undefined, after: SimulatorSnapshot): number {
  const count = (s: SimulatorSnapshot | undefined, side: 'primary' | 'canary') =>
    s?.services.account?.[side].requests ?? 0;
  const canary = count(after, 'canary') - count(before, 'canary');
  return canary / (canary + count(after, 'primary') - count(before, 'primary'));
}

const total = (samples: Sample[]): number => samples.reduce((a, s) => a + s.value, 0);

function ticks(sim: MeshTrafficSimulator, n: number): SimulatorSnapshot {
  for (let i = 0; i < n; i++) sim.tick();
  return sim.snapshot();
}

describe('MeshTrafficSimulator on the real cluster with App Mesh routing', () => {
  test('Given a VirtualRouter at 80/20, the split follows the weights; When the weights change, Then the next tick follows them', async (t) => {
    const world = await given(t, { primary: 80, canary: 20 });
    const sim = world.simulator(constantBehaviour({ errorRate: 0, latencyMs: 10 }), 2000);

    const first = ticks(sim, 3);
    const account = first.services.account!;
    assert.equal(account.primary.requests + account.canary.requests, 6000);
    assert.ok(Math.abs(canaryShare(undefined, first) - 0.2) < 0.03, `canary share ${canaryShare(undefined, first)}`);
    assert.deepEqual(first.services.account?.weights, { primary: 80, canary: 20 });
    // Envoy's round robin: each of the two pods of a side gets half of that side's requests.
    const pods = Object.values(first.services.account?.pods ?? {});
    assert.equal(pods.length, 4);
    for (const side of ['primary', 'canary'] as const) {
      const counts = pods.filter((p) => p.side === side).map((p) => p.requests);
      assert.ok(Math.abs(counts[0]! - counts[1]!) <= 1, `${side}: ${counts.join('/')}`);
    }

    await world.setWeights(50, 50);
    const second = ticks(sim, 1);
    assert.deepEqual(second.services.account?.weights, { primary: 50, canary: 50 });
    assert.ok(Math.abs(canaryShare(first, second) - 0.5) < 0.05, `canary share ${canaryShare(first, second)}`);

    await world.setWeights(0, 100);
    assert.equal(canaryShare(second, ticks(sim, 1)), 1);
  });

  test('Given the canary ConfigMap says errorRate=0.005 and latencyMs=620, Then its Envoy and app series show ~0.5 % 5xx and 620 ms in the (500, 1000] ms buckets', async (t) => {
    const world = await given(
      t,
      { primary: 50, canary: 50 },
      { canaryProps: 'errorRate=0.005\nlatencyMs=620\n', primaryProps: 'errorRate=0\nlatencyMs=40\n' },
    );
    const sim = world.simulator(fromConfigMap('application.properties'), 20_000);
    const snap = ticks(sim, 4);
    const samples = [...parseExposition(sim.render()).samples];

    const model = { namespace: world.ns, target: 'account', interval: '1m' };
    const [ok, all] = selectorsOf(appMeshQueries(model)['request-success-rate']);
    const requests = total(select(all!, samples));
    const errorShare = 1 - total(select(ok!, samples)) / requests;
    assert.equal(requests, snap.services.account?.canary.requests);
    assert.ok(requests > 35_000, String(requests));
    assert.ok(errorShare > 0.0035 && errorShare < 0.0065, `5xx share ${errorShare}`);
    assert.equal(Math.round(errorShare * requests), snap.services.account?.canary.errors);
    assert.deepEqual([...new Set(select(all!, samples).map((s) => s.labels.envoy_response_code))], ['200', '500']);

    const [bucketSel] = selectorsOf(appMeshQueries(model)['request-duration']);
    const bucket = (le: string) => total(select(bucketSel!, samples).filter((s) => s.labels.le === le));
    assert.equal(bucket('500'), 0);
    assert.equal(bucket('1000'), requests);
    assert.equal(bucket('+Inf'), requests);

    const [appBuckets] = selectorsOf(httpQueries(model)['request-duration']);
    const appBucket = (le: string) => total(select(appBuckets!, samples).filter((s) => s.labels.le === le));
    assert.deepEqual([appBucket('0.5'), appBucket('1')], [0, requests]);

    // The primary mounts its own -primary copy: no errors, 40 ms in (25, 50].
    const primary = { ...model, target: 'account-primary' };
    const [, primaryAll] = selectorsOf(appMeshQueries(primary)['request-success-rate']);
    assert.ok(select(primaryAll!, samples).every((s) => s.labels.envoy_response_code === '200'));
    const [primaryBuckets] = selectorsOf(appMeshQueries(primary)['request-duration']);
    const primaryBucket = (le: string) => total(select(primaryBuckets!, samples).filter((s) => s.labels.le === le));
    assert.deepEqual([primaryBucket('25'), primaryBucket('50')], [0, snap.services.account?.primary.requests]);
  });

  test('Given the canary pods are annotated sim.serin.dev/error-rate and latency-ms, Then fromAnnotation applies them to the canary only', async (t) => {
    const annotations = { 'sim.serin.dev/error-rate': '0.005', 'sim.serin.dev/latency-ms': '620' };
    const world = await given(t, { primary: 50, canary: 50 }, { canaryAnnotations: annotations });
    const snap = ticks(world.simulator(fromAnnotation('sim.serin.dev/'), 20_000), 4).services.account!;
    const share = snap.canary.errors / snap.canary.requests;
    assert.ok(share > 0.0035 && share < 0.0065, `canary 5xx share ${share}`);
    assert.equal(snap.primary.errors, 0);
  });

  test('Only Ready pods get traffic: a matching pod that kwok keeps unready gets none, and a side with no Ready pod is unrouted', async (t) => {
    const world = await given(t, { primary: 50, canary: 50 });
    const unready = await world.cluster.create<SimPod>({
      ...POD,
      metadata: {
        name: 'account-unready-0',
        namespace: world.ns,
        labels: { app: 'account' },
        annotations: { [UNREADY]: 'true' },
      },
      spec: { containers: [{ name: 'account', image: 'registry.example.com/shop/account:1.0.0' }] },
    });
    await cached('the unready pod Running', () => {
      const pod = world.cluster.get<SimPod>({ ...POD, namespace: world.ns, name: unready.metadata.name! });
      return pod?.status?.phase === 'Running' ? pod : undefined;
    });
    const sim = world.simulator(constantBehaviour({ errorRate: 0, latencyMs: 10 }), 2000);
    const snap = ticks(sim, 2);
    assert.equal(snap.services.account?.pods['account-unready-0'], undefined);
    assert.equal(Object.keys(snap.services.account?.pods ?? {}).length, 4);
    const names = parseExposition(sim.render()).samples.map((s) => s.labels.kubernetes_pod_name);
    assert.ok(!names.includes('account-unready-0'));

    // The canary VirtualNode now selects no pod: its share is unrouted (a 503 at the caller), not served.
    await world.cluster.patch(
      { ...VIRTUAL_NODE, namespace: world.ns, name: 'account-canary' },
      {
        spec: { podSelector: { matchLabels: { app: 'account', track: 'none' } } },
      },
    );
    const after = ticks(sim, 1).services.account!;
    assert.equal(after.canary.requests, snap.services.account?.canary.requests);
    assert.ok(after.canary.unrouted > 800 && after.canary.unrouted < 1200, String(after.canary.unrouted));
  });
});
