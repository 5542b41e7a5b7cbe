import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { ApiCluster } from '../../src/kube/api-cluster.js';
import { httpQueries } from '../sim/flagger-queries.js';
import {
  MeshTrafficSimulator,
  POD,
  TrafficProvider,
  constantBehaviour,
  parseExposition,
  select,
  selectorsOf,
  simulatorKinds,
  type SimPod,
} from '../sim/index.js';
import { backendService, gatewayHttpRoute } from '../sim/mesh-fixtures.js';
import { isReady } from '../sim/routing.js';
import { cached, eventually, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment } from '../support/fixtures.js';

const kc = testKubeConfig();
const healthy = constantBehaviour({ errorRate: 0, latencyMs: 30 });

/** Given account-primary and account (2 kwok pods each), their Services, and HTTPRoute account at 70/30. */
async function givenGateway(t: TestContext): Promise<{ ns: string; cluster: ApiCluster }> {
  const ns = await freshNamespace(t, kc, 'simgw');
  const cluster = await startApiCluster(t, simulatorKinds(TrafficProvider.GatewayApi), ns);
  for (const name of ['account-primary', 'account']) {
    await cluster.create(appConfigMap(ns, name, { 'application.properties': 'server.port=8180\n' }));
    await cluster.create(appDeployment(ns, name));
  }
  await cluster.create(backendService(ns, 'account-primary', { app: 'account-primary' }));
  await cluster.create(backendService(ns, 'account-canary', { app: 'account' }));
  await cluster.create(gatewayHttpRoute(ns, 'account', { primary: 70, canary: 30 }));
  await cached('4 Ready pods', () => (cluster.list<SimPod>(POD, ns).filter(isReady).length === 4 ? true : undefined));
  return { ns, cluster };
}

function simulator(cluster: ApiCluster, ns: string, tickMs: number, maxTicks?: number): MeshTrafficSimulator {
  return new MeshTrafficSimulator(
    { cluster },
    {
      namespace: ns,
      services: [{ apex: 'account', port: 8180 }],
      rps: 2000,
      tickMs,
      behaviour: healthy,
      provider: TrafficProvider.GatewayApi,
      ...(maxTicks ? { maxTicks } : {}),
    },
  );
}

describe('MeshTrafficSimulator with Gateway API routing, served over HTTP', () => {
  test('Given an HTTPRoute at 70/30 over the -primary/-canary Services, the split follows its backendRef weights and only app series are emitted', async (t) => {
    const { ns, cluster } = await givenGateway(t);
    const sim = simulator(cluster, ns, 1000);
    for (let i = 0; i < 3; i++) sim.tick();
    const snap = sim.snapshot().services.account!;
    const share = snap.canary.requests / (snap.canary.requests + snap.primary.requests);
    assert.ok(Math.abs(share - 0.3) < 0.03, `canary share ${share}`);
    assert.deepEqual(snap.weights, { primary: 70, canary: 30 });

    const samples = parseExposition(sim.render()).samples;
    assert.ok(!samples.some((s) => s.name.startsWith('envoy_')), 'no Envoy sidecar without App Mesh');
    const [ok, all] = selectorsOf(
      httpQueries({ namespace: ns, target: 'account', interval: '1m' })['request-success-rate'],
    );
    const requests = select(all!, samples).reduce((a, s) => a + s.value, 0);
    assert.equal(requests, snap.canary.requests);
    assert.equal(select(ok!, samples).length, select(all!, samples).length);
  });

  test('start() serves /metrics on loopback and ticks on its timer; stop() closes the server and the counts freeze', async (t) => {
    const { ns, cluster } = await givenGateway(t);
    const sim = simulator(cluster, ns, 50);
    t.after(() => sim.stop());
    await sim.start();
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await eventually('3 ticks', () => Promise.resolve(sim.snapshot().ticks >= 3 ? true : undefined), 5000, 20);

    const res = await fetch(sim.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const samples = parseExposition(await res.text()).samples;
    const pods = new Set(samples.map((s) => s.labels.kubernetes_pod_name));
    assert.equal(pods.size, 4);
    assert.equal((await fetch(sim.url.replace('/metrics', '/'))).status, 404);

    await sim.stop();
    const frozen = sim.snapshot().ticks;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(sim.snapshot().ticks, frozen);
    await assert.rejects(fetch(`http://127.0.0.1:${new URL(res.url).port}/metrics`));
    assert.deepEqual(sim.snapshot().problems, []);
  });

  test('start() stops ticking on its own after maxTicks', async (t) => {
    const { ns, cluster } = await givenGateway(t);
    const sim = simulator(cluster, ns, 10, 3);
    t.after(() => sim.stop());
    await sim.start();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sim.snapshot().ticks, 3);
    assert.equal(
      sim.snapshot().services.account!.primary.requests + sim.snapshot().services.account!.canary.requests,
      60,
    );
  });
});

describe('MeshTrafficSimulator options', () => {
  const base = {
    namespace: 'ns',
    services: [{ apex: 'account', port: 8180 }],
    rps: 10,
    tickMs: 100,
    behaviour: healthy,
  };
  const cluster = {} as ApiCluster;
  for (const [why, options, message] of [
    [
      'a tick over the request bound',
      { rps: 2_000_000, tickMs: 1000 },
      /sends 2000000 requests a tick, over maxRequestsPerTick 100000/,
    ],
    ['a negative rate', { rps: -1 }, /rps -1 must be a finite number ≥ 0/],
    ['a tick of 0 ms', { tickMs: 0 }, /tickMs 0 must be 1\.\.60000/],
    [
      'an apex that is no DNS label',
      { services: [{ apex: 'Account', port: 8180 }] },
      /apex "Account" is not a DNS label/,
    ],
  ] as const) {
    test(`refuses ${why}, quoting the input`, () => {
      assert.throws(() => new MeshTrafficSimulator({ cluster }, { ...base, ...options }), message);
    });
  }
});
