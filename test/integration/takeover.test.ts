/**
 * Switching a live cluster from Go Flagger to Serin (docs/switching.md), tried as a team would:
 * Flagger v1.44 (built from its Go module) runs three canaries — one initialized, one promoted,
 * one left mid-analysis at weight 20 — then is stopped, and Serin starts on the same cluster with
 * nothing changed. Serin must take each canary over where Flagger left it: no "New revision
 * detected", no write to any Deployment, the mid-analysis one continuing from weight 20.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, gatewayApiCanary } from '../support/fixtures.js';
import { startFlagger } from '../support/flagger.js';
import { startGate } from '../support/gate.js';
import { canaryEventList, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';
import { deploymentStates, objectStates, occurrences } from '../support/workload-state.js';

const kc = testKubeConfig();
const rest = new KubeRest(kc);

/** A Gateway API Canary ticking every 10 s, Flagger's shortest interval. */
const gatewayCanary = (
  ns: string,
  name: string,
  webhooks: unknown[] = [],
  weights = { maxWeight: 60, stepWeight: 20 },
) => gatewayApiCanary(ns, name, 'public', { interval: '10s', ...weights, webhooks });

describe('taking over a cluster Go Flagger v1.44 managed', () => {
  test('initialized, promoted and mid-analysis canaries go on where Flagger left them', async (t) => {
    const ns = await freshNamespace(t, kc, 'takeover');
    const gate = await startGate(t);
    const gated = [{ name: 'gate', type: 'confirm-traffic-increase', url: gate.url }];
    const names = ['initialized', 'promoted', 'midway'];
    for (const name of names) {
      await apply(appDeployment(ns, name, { replicas: 1 }), appConfigMap(ns, name, { 'app.properties': 'v=1' }));
    }
    await apply(
      gatewayCanary(ns, 'initialized'),
      gatewayCanary(ns, 'promoted', [], { maxWeight: 60, stepWeight: 60 }), // one step: Flagger's ticks are 10 s
      gatewayCanary(ns, 'midway', gated),
    );

    const flagger = await startFlagger(t, ns, 'gatewayapi:v1');
    for (const name of names) await waitForPhase(ns, name, 'Initialized', 90_000);
    gate.allow('midway', 1); // Flagger asks before each increase: the first (0 → 20) passes, the next waits
    await setImage(ns, 'promoted', 'registry.example.com/shop/promoted:2.0.0');
    await setImage(ns, 'midway', 'registry.example.com/shop/midway:2.0.0');
    await waitForPhase(ns, 'promoted', 'Succeeded', 180_000);
    await eventually(
      'Flagger holding midway at weight 20',
      async () => {
        const events = await canaryEventList(ns, 'midway');
        const status = (await readCanary(ns, 'midway')).status;
        return status?.canaryWeight === 20 && occurrences(events, 'approval') > 0 ? status : undefined;
      },
      60_000,
    );
    await flagger.stop();

    const before = await deploymentStates(ns);
    const routes = `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`;
    const services = `/api/v1/namespaces/${ns}/services`;
    const routesBefore = await objectStates(routes);
    const servicesBefore = await objectStates(services);
    const statusBefore = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, (await readCanary(ns, n)).status] as const)),
    );
    const eventsBefore = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await canaryEventList(ns, n)] as const)),
    );
    t.diagnostic(`Flagger left: ${JSON.stringify(statusBefore)}`);

    await startTestOperator(t, ns, { meshProvider: 'gatewayapi:v1' });
    for (const name of names) {
      await eventually(`Serin takes ${name} over`, async () =>
        (await canaryEventList(ns, name)).find((e) =>
          e.message.startsWith(`Took over ${name}.${ns} from Flagger: its revision`),
        ),
      );
    }
    // A full analysis interval (10 s) and more: every canary ticks at least once under Serin.
    await new Promise((done) => setTimeout(done, 12_000));

    assert.deepEqual(await deploymentStates(ns), before, 'Serin wrote no Deployment');
    assert.deepEqual(await objectStates(routes), routesBefore, "Flagger's HTTPRoutes are Serin's: none rewritten");
    assert.deepEqual(await objectStates(services), servicesBefore, "Flagger's Services are Serin's: none rewritten");
    for (const name of names) {
      const events = await canaryEventList(ns, name);
      t.diagnostic(`${name}:\n${events.map((e) => `  ${e.type} ${e.message}`).join('\n')}`);
      assert.equal(
        occurrences(events, 'New revision detected'),
        occurrences(eventsBefore[name] ?? [], 'New revision detected'),
        `${name}: no new revision detected after the switch`,
      );
      const status = (await readCanary(ns, name)).status;
      assert.equal(status?.phase, statusBefore[name]?.phase, `${name} stays ${statusBefore[name]?.phase}`);
      assert.deepEqual(
        status?.trackedConfigs,
        statusBefore[name]?.trackedConfigs,
        `${name}: Flagger's config checksums`,
      );
    }
    assert.equal(
      (await readCanary(ns, 'midway')).status?.canaryWeight,
      20,
      'midway holds at 20 while the gate is closed',
    );

    gate.open();
    await waitForPhase(ns, 'midway', 'Succeeded', 120_000);
    const after = (await canaryEventList(ns, 'midway')).slice(eventsBefore.midway?.length ?? 0).map((e) => e.message);
    const advances = after.filter((m) => m.startsWith('Advance midway.'));
    assert.equal(advances[0], `Advance midway.${ns} canary weight 40`, 'Serin continues from weight 20');
    assert.ok(!after.some((m) => m.includes('Starting canary analysis')), 'the analysis is not restarted');
  });

  test('switching back: Flagger re-analyses a canary Serin settled, unless its status is cleared first', async (t) => {
    const ns = await freshNamespace(t, kc, 'switchback');
    const names = ['kept', 'cleared'];
    for (const name of names) {
      await apply(appDeployment(ns, name, { replicas: 1 }), appConfigMap(ns, name, { 'app.properties': 'v=1' }));
      await apply(gatewayCanary(ns, name, [], { maxWeight: 60, stepWeight: 60 }));
    }
    const serin = await startTestOperator(t, ns, { meshProvider: 'gatewayapi:v1' });
    for (const name of names) await waitForPhase(ns, name, 'Initialized', 60_000);
    await serin.stop();
    const before = await deploymentStates(ns);
    const counted = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, (await canaryEventList(ns, n)).length] as const)),
    );
    // docs/switching.md: clearing the status of a settled canary makes Flagger initialize it again
    // over the primary that exists — no analysis, no primary rollout.
    await rest.json(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/cleared/status`, {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [{ op: 'remove', path: '/status' }],
    });

    await startFlagger(t, ns, 'gatewayapi:v1');
    await waitForPhase(ns, 'cleared', 'Initialized', 60_000);
    const kept = await eventually(
      'Flagger analysing the canary Serin left',
      async () => {
        const events = (await canaryEventList(ns, 'kept')).slice(counted.kept);
        return events.some((e) => e.message.startsWith('New revision detected!')) ? events : undefined;
      },
      60_000,
    );
    t.diagnostic(`kept, under Flagger:\n${kept.map((e) => `  ${e.type} ${e.message}`).join('\n')}`);
    await waitForPhase(ns, 'kept', 'Succeeded', 120_000);
    const after = await deploymentStates(ns);
    const cleared = (await canaryEventList(ns, 'cleared')).slice(counted.cleared).map((e) => e.message);
    t.diagnostic(`cleared, under Flagger:\n  ${cleared.join('\n  ')}`);
    assert.ok(!cleared.some((m) => m.startsWith('New revision detected')), 'the cleared canary is not analysed again');
    assert.deepEqual(after['cleared-primary'], before['cleared-primary'], 'its primary is not rolled');
    assert.notDeepEqual(
      after['kept-primary'],
      before['kept-primary'],
      'the kept one is promoted again: its primary rolls',
    );
  });
});
