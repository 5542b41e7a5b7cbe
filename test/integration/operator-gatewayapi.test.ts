import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap } from '../support/fixtures.js';
import { canaryEvents, waitForPhase } from '../support/operator.js';
import { assertSimulatorAgrees, configStep, simScenario } from '../support/cross-check.js';
import { appProperties, seedWorldObjects, startSeedWorld } from '../support/seed-world.js';
import { TrafficProvider } from '../sim/index.js';

const kc = testKubeConfig();
const server = KubernetesObjectApi.makeApiClient(kc);

/** The HTTPRoute's weights as `kubectl get httproute -o yaml` shows them. */
async function routeWeights(ns: string): Promise<Record<string, number>> {
  const route = (await server.read({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'account', namespace: ns },
  })) as unknown as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
  return Object.fromEntries((route.spec.rules[0]?.backendRefs ?? []).map((b) => [b.name, b.weight]));
}

describe('a release through Gateway API (the App Mesh successor): real cluster, real Prometheus, simulated gateway traffic', () => {
  test('a healthy config change is shifted through the HTTPRoute step by step, judged by the builtin HTTP metrics, and promoted', async (t) => {
    const ns = await freshNamespace(t, kc, 'gw-promote');
    const world = await startSeedWorld(t, ns, { provider: TrafficProvider.GatewayApi });
    await waitForPhase(ns, 'account', 'Initialized');
    assert.deepEqual(await routeWeights(ns), { 'account-primary': 100, 'account-canary': 0 });

    const healthy = appProperties({ latencyMs: 25 });
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': healthy }));
    await waitForPhase(ns, 'account', 'Succeeded', 120_000);
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(events.join('\n'));
    for (const weight of [20, 40, 60, 80]) {
      assert.ok(
        events.some((e) => e.endsWith(`Advance account.${ns} canary weight ${weight}`)),
        `weight ${weight}`,
      );
    }
    assert.ok(events.some((e) => e.includes('Promotion completed! Scaling down account.')));
    assert.deepEqual(await routeWeights(ns), { 'account-primary': 100, 'account-canary': 0 });
    const objects = seedWorldObjects(ns, { provider: TrafficProvider.GatewayApi });
    await assertSimulatorAgrees(t, ns, objects, simScenario('gateway-release', [configStep('10s', healthy)]));
  });

  test('a release whose errors the gateway sees is rolled back and the route returns to the primary', async (t) => {
    const ns = await freshNamespace(t, kc, 'gw-rollback');
    const world = await startSeedWorld(t, ns, { provider: TrafficProvider.GatewayApi });
    await waitForPhase(ns, 'account', 'Initialized');

    await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ errorRate: 0.3 }) }));
    await waitForPhase(ns, 'account', 'Failed', 120_000);
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(events.join('\n'));
    assert.ok(events.some((e) => /Halt account\.\S+ advancement success rate \d+\.\d\d% < 99%/.test(e)));
    assert.ok(events.some((e) => e.includes('Canary failed! Scaling down account.')));
    assert.deepEqual(await routeWeights(ns), { 'account-primary': 100, 'account-canary': 0 });
  });
});
