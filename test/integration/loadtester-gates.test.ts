/**
 * The manual gates of `serin loadtester`, end to end: the operator on the real cluster calls them
 * as a Canary's webhooks, with the traffic simulator and a real Prometheus behind the analysis.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap } from '../support/fixtures.js';
import { startLoadTesterWorld, type LoadTesterWorld } from '../support/loadtester-world.js';
import { appMeshWeights, canaryEvents, readCanary, waitForPhase } from '../support/operator.js';
import { appProperties, seedWorldCanary } from '../support/seed-world.js';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);

/** A new revision: the ConfigMap the app mounts changes. */
async function release(world: LoadTesterWorld): Promise<void> {
  await world.apply(
    appConfigMap(world.ns, 'account', { 'application.properties': appProperties({ extra: 'release=2' }) }),
  );
}

/** POSTs to the load tester as a person does (`kubectl exec … curl -d … /gate/open`). */
async function gate(world: LoadTesterWorld, path: string): Promise<number> {
  const res = await fetch(`${world.loadtester.url}${path}`, {
    method: 'POST',
    body: JSON.stringify({ name: 'account', namespace: world.ns }),
  });
  await res.text();
  return res.status;
}

/** Samples the canary every 500 ms for `ms` and returns what it saw. */
async function watchFor(ns: string, ms: number): Promise<{ phase?: string; canaryWeight?: number }[]> {
  const seen: { phase?: string; canaryWeight?: number }[] = [];
  for (const end = Date.now() + ms; Date.now() < end;) {
    const status = (await readCanary(ns, 'account')).status;
    seen.push({ ...(status?.phase ? { phase: status.phase } : {}), canaryWeight: status?.canaryWeight ?? 0 });
    await new Promise((r) => setTimeout(r, 500));
  }
  return seen;
}

describe('serin loadtester gates, called by the operator as webhooks', () => {
  test('confirm-rollout on /gate/check: a new revision waits in Waiting, scaled down, until /gate/open', async (t) => {
    const ns = await freshNamespace(t, kc, 'ltgate');
    const url = `http://flagger-loadtester.${ns}/gate/check`;
    const world = await startLoadTesterWorld(t, ns, {
      analysis: { webhooks: [{ name: 'approve-rollout', type: 'confirm-rollout', url }] },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    await release(world);
    await waitForPhase(ns, 'account', 'Waiting');
    const held = await watchFor(ns, 8000);
    assert.ok(
      held.every((s) => s.phase === 'Waiting'),
      `held: ${JSON.stringify(held)}`,
    );
    const canary = await apps.readNamespacedDeployment({ name: 'account', namespace: ns });
    assert.equal(canary.spec?.replicas ?? 0, 0, 'the canary stays scaled down while waiting');

    assert.equal(await gate(world, '/gate/open'), 202);
    await waitForPhase(ns, 'account', 'Succeeded', 120_000);
    const events = await canaryEvents(ns, 'account');
    t.diagnostic(events.join('\n'));
    assert.ok(events.some((e) => e.includes(`Halt account.${ns} advancement waiting for approval approve-rollout`)));
    assert.ok(events.some((e) => e.includes('Confirm-rollout check approve-rollout passed')));
    const checks = world.loadtester.logs.filter((l) => l.msg === 'webhook received' && l.route === '/gate/check');
    assert.ok(checks.length >= 3, 'the operator asked the gate on every tick while waiting');
    assert.deepEqual(
      { name: checks[0]!.name, namespace: checks[0]!.namespace, phase: checks[0]!.phase },
      { name: 'account', namespace: ns, phase: 'Initialized' },
    );
  });

  test('confirm-traffic-increase on /gate/check: the weight holds at 0 until /gate/open, then steps to promotion', async (t) => {
    const ns = await freshNamespace(t, kc, 'ltstep');
    const url = `http://flagger-loadtester.${ns}/gate/check`;
    const world = await startLoadTesterWorld(t, ns, {
      analysis: { webhooks: [{ name: 'traffic-gate', type: 'confirm-traffic-increase', url }] },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    await release(world);
    await waitForPhase(ns, 'account', 'Progressing');
    const held = await watchFor(ns, 9000);
    assert.ok(
      held.every((s) => s.phase === 'Progressing' && s.canaryWeight === 0),
      JSON.stringify(held),
    );
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    const halts = (await canaryEvents(ns, 'account')).filter((e) =>
      e.includes(`Halt account.${ns} advancement waiting for traffic increase approval traffic-gate`),
    );
    assert.equal(halts.length, 1, 'one event, counted up each tick');
    assert.match(halts[0]!, /\(x\d+\)$/);

    assert.equal(await gate(world, '/gate/open'), 202);
    await waitForPhase(ns, 'account', 'Succeeded', 120_000);
    assert.ok(
      (await canaryEvents(ns, 'account')).some((e) => e.includes('Confirm-traffic-increase check traffic-gate passed')),
    );
  });

  test('confirm-promotion on /gate/halt holds the release in WaitingPromotion; pointed at /gate/approve it promotes', async (t) => {
    const ns = await freshNamespace(t, kc, 'ltpromo');
    const hook = (path: string) => ({
      webhooks: [{ name: 'promotion-gate', type: 'confirm-promotion', url: `http://flagger-loadtester.${ns}${path}` }],
    });
    const world = await startLoadTesterWorld(t, ns, { analysis: hook('/gate/halt') });
    await waitForPhase(ns, 'account', 'Initialized');
    await release(world);
    await waitForPhase(ns, 'account', 'WaitingPromotion', 120_000);
    const held = await watchFor(ns, 8000);
    assert.ok(
      held.every((s) => s.phase === 'WaitingPromotion'),
      JSON.stringify(held),
    );
    const weights = await appMeshWeights(ns, 'account');
    assert.equal(weights.canary, 80, 'routing keeps the last weight while waiting');
    assert.ok(
      (await canaryEvents(ns, 'account')).some((e) =>
        e.includes(`Halt account.${ns} advancement waiting for promotion approval promotion-gate`),
      ),
    );

    await world.apply(seedWorldCanary(ns, { analysis: hook('/gate/approve') }));
    await waitForPhase(ns, 'account', 'Succeeded', 120_000);
    const events = await canaryEvents(ns, 'account');
    assert.ok(events.some((e) => e.includes('Confirm-promotion check promotion-gate passed')));
    assert.ok(events.some((e) => e.includes(`Promotion completed! Scaling down account.${ns}`)));
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
  });
});
