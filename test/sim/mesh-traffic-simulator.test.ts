/**
 * The simulator's traffic on the in-memory cluster of `serin simulate` (the real Cluster
 * implementation without an API server), driven tick by tick: split skew and shared error bursts.
 * Against the real cluster and a real Prometheus the simulator is tested in test/integration/sim-traffic.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../src/kube/objects.js';
import { MemoryCluster } from '../../src/sim/memory-cluster.js';
import { constantBehaviour, type PodBehaviour } from './behaviour.js';
import { meshVirtualNode, meshVirtualRouter } from './mesh-fixtures.js';
import { MeshTrafficSimulator, type MeshTrafficSimulatorOptions } from './mesh-traffic-simulator.js';

const ns = 'shop';

function readyPod(name: string, app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app } },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** The account service routed 80/20 by App Mesh, two Ready pods per side. */
async function routedCluster(): Promise<MemoryCluster> {
  const cluster = new MemoryCluster({ now: () => Date.parse('2026-11-26T10:00:00Z') });
  for (const obj of [
    meshVirtualNode(ns, 'account-primary', { app: 'account-primary' }),
    meshVirtualNode(ns, 'account-canary', { app: 'account' }),
    meshVirtualRouter(ns, 'account', { primary: 80, canary: 20 }),
    readyPod('account-primary-5d9c-a1', 'account-primary'),
    readyPod('account-primary-5d9c-b2', 'account-primary'),
    readyPod('account-7f4b-c3', 'account'),
    readyPod('account-7f4b-d4', 'account'),
  ]) {
    await cluster.create(obj);
  }
  return cluster;
}

async function simulator(
  behaviour: PodBehaviour,
  options: Partial<MeshTrafficSimulatorOptions> = {},
): Promise<MeshTrafficSimulator> {
  return new MeshTrafficSimulator(
    { cluster: await routedCluster() },
    {
      namespace: ns,
      services: [{ apex: 'account', port: 8180 }],
      rps: 4000,
      tickMs: 250,
      behaviour: constantBehaviour(behaviour),
      seed: 7,
      ...options,
    },
  );
}

describe('the mesh traffic simulator, tick by tick', () => {
  test('canaryShareFactor 0.5: a canary at weight 20 receives about 10% of the requests, the rest go to the primary', async () => {
    const sim = await simulator(
      { errorRate: 0, latencyMs: 10 },
      { services: [{ apex: 'account', port: 8180, canaryShareFactor: 0.5 }] },
    );
    for (let i = 0; i < 40; i++) sim.tick();
    const { primary, canary, weights } = sim.snapshot().services.account!;
    assert.deepEqual(weights, { primary: 80, canary: 20 }, 'the routed weights are as written');
    const share = canary.requests / (canary.requests + primary.requests);
    assert.equal(canary.requests + primary.requests, 40_000);
    assert.ok(Math.abs(share - 0.1) < 0.01, `canary share ${share}`);
  });

  test('a share factor outside 0..1 is refused, naming the service', async () => {
    await assert.rejects(
      simulator({ errorRate: 0, latencyMs: 10 }, { services: [{ apex: 'account', port: 8180, canaryShareFactor: 2 }] }),
      /MeshTrafficSimulator: canaryShareFactor 2 of account must be 0\.\.1/,
    );
  });

  test('a shared burst hits every pod on the same ticks: the canary and the primary fail together', async () => {
    const sim = await simulator({
      errorRate: 0,
      latencyMs: 10,
      burst: { probability: 0.1, errorRate: 0.5, shared: true },
    });
    const perTick: { canary: number; primary: number }[] = [];
    let last = { canary: 0, primary: 0 };
    for (let i = 0; i < 400; i++) {
      sim.tick();
      const s = sim.snapshot().services.account!;
      perTick.push({ canary: s.canary.errors - last.canary, primary: s.primary.errors - last.primary });
      last = { canary: s.canary.errors, primary: s.primary.errors };
    }
    const bursts = perTick.filter((t) => t.canary + t.primary > 0);
    // 400 ticks at 10%: about 40 bursts; outside them no errors at all (errorRate 0).
    assert.ok(bursts.length > 20 && bursts.length < 60, `${bursts.length} burst ticks`);
    assert.ok(
      bursts.every((t) => t.canary > 0 && t.primary > 0),
      'every burst tick has errors on both sides',
    );
    const { canary, primary } = sim.snapshot().services.account!;
    const rate = (canary.errors + primary.errors) / (canary.requests + primary.requests);
    assert.ok(Math.abs(rate - 0.05) < 0.015, `mean error rate ${rate} ≈ 0.1 × 0.5`);
  });

  test('a per-pod burst is drawn for each pod: some burst ticks hit one side only', async () => {
    const sim = await simulator({ errorRate: 0, latencyMs: 10, burst: { probability: 0.1, errorRate: 0.5 } });
    let oneSided = 0;
    let last = { canary: 0, primary: 0 };
    for (let i = 0; i < 400; i++) {
      sim.tick();
      const s = sim.snapshot().services.account!;
      const tick = { canary: s.canary.errors - last.canary, primary: s.primary.errors - last.primary };
      if (tick.canary > 0 !== tick.primary > 0) oneSided += 1;
      last = { canary: s.canary.errors, primary: s.primary.errors };
    }
    assert.ok(oneSided > 20, `${oneSided} ticks with errors on one side only`);
  });

  test('without a burst the traffic replays exactly as before (no extra random draws)', async () => {
    const counts = async (behaviour: PodBehaviour) => {
      const sim = await simulator(behaviour);
      for (let i = 0; i < 20; i++) sim.tick();
      return sim.snapshot().services.account;
    };
    const plain = await counts({ errorRate: 0.01, latencyMs: 10 });
    assert.deepEqual(await counts({ errorRate: 0.01, latencyMs: 10, burst: { probability: 0, errorRate: 1 } }), plain);
  });
});
