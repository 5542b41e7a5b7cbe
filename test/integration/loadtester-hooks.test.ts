/**
 * The load tester as the receiver of every other webhook type, end to end on the real cluster: the
 * operator calls it, its generated requests go into the simulated mesh, and the canary's pods count
 * them in the Envoy series the real Prometheus scrapes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap } from '../support/fixtures.js';
import {
  loadTesterMetric,
  promValue,
  startLoadTesterWorld,
  type LoadTesterWorld,
} from '../support/loadtester-world.js';
import { appMeshWeights, canaryEvents, readCanary, waitForPhase } from '../support/operator.js';
import { appProperties } from '../support/seed-world.js';

const kc = testKubeConfig();

async function release(world: LoadTesterWorld, settings: Parameters<typeof appProperties>[0] = {}): Promise<void> {
  const properties = appProperties({ extra: 'release=2', ...settings });
  await world.apply(appConfigMap(world.ns, 'account', { 'application.properties': properties }));
}

async function timeline(t: { diagnostic: (m: string) => void }, ns: string): Promise<string[]> {
  const events = await canaryEvents(ns, 'account');
  t.diagnostic(`kubectl describe canary account -n ${ns}\nEvents:\n${events.join('\n')}`);
  return events;
}

describe('serin loadtester receiving the other webhook types', () => {
  test("rollout runs hey on every tick; its requests reach the canary's pods and are counted in Prometheus", async (t) => {
    const ns = await freshNamespace(t, kc, 'ltload');
    const target = `account-canary.${ns}:8180`;
    const world = await startLoadTesterWorld(t, ns, {
      analysis: {
        webhooks: [
          {
            name: 'load-test',
            type: 'rollout',
            url: `http://flagger-loadtester.${ns}/`,
            timeout: '5s',
            metadata: { cmd: `hey -z 10s -q 10 -c 2 http://${target}/` },
          },
        ],
      },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    await release(world);
    await waitForPhase(ns, 'account', 'Succeeded', 120_000);
    await timeline(t, ns);
    const { loadtester, ingress } = world;
    await eventually('every hey run to end', async () =>
      (await loadTesterMetric(loadtester, 'serin_loadtester_tasks_running', { kind: 'hey' })) === 0 ? true : undefined,
    );
    const sent = await loadTesterMetric(loadtester, 'serin_loadtester_requests_total', { target });
    t.diagnostic(
      `sent ${sent}; canary pods served ${JSON.stringify(ingress.counts)}; paths ${JSON.stringify([...ingress.paths])}`,
    );
    assert.ok(sent >= 100, `hey sent ${sent} requests (2 workers × 10/s over the analysis)`);
    assert.equal(ingress.counts.canary.requests, sent, "every request reached a canary pod (the canary's Service)");
    assert.equal(ingress.counts.canary.errors, 0);
    assert.equal(ingress.counts.primary.requests, 0, 'none went to the primary');
    const query = `sum(envoy_cluster_upstream_rq{instance="${ingress.address}",kubernetes_namespace="${ns}",kubernetes_pod_name=~"account-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"})`;
    const counted = await eventually('Prometheus to scrape the last requests', async () => {
      const value = await promValue(world.prometheus, query);
      return value === sent ? value : undefined;
    });
    assert.equal(counted, sent, "Prometheus counts them in the canary pods' Envoy series");
    const skipped = await loadTesterMetric(loadtester, 'serin_loadtester_tasks_total', {
      kind: 'hey',
      outcome: 'skipped',
    });
    assert.ok(skipped >= 1, 'a tick that re-posts the command while it runs does not start a second run');
  });

  test('pre-rollout with curl -f against a broken canary: no traffic is shifted and it rolls back after the threshold', async (t) => {
    const ns = await freshNamespace(t, kc, 'ltpre');
    const world = await startLoadTesterWorld(t, ns, {
      analysis: {
        webhooks: [
          {
            name: 'smoke-test',
            type: 'pre-rollout',
            url: `http://flagger-loadtester.${ns}/`,
            timeout: '5s',
            metadata: { type: 'bash', cmd: `curl -sSf http://account-canary.${ns}:8180/healthz` },
          },
        ],
      },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    await release(world, { errorRate: 1 });
    const failed = await waitForPhase(ns, 'account', 'Failed', 120_000);
    const events = await timeline(t, ns);
    const halt = `Halt account.${ns} advancement pre-rollout check smoke-test failed curl exit code 22: curl: (22) The requested URL returned error: 500`;
    assert.ok(
      events.some((e) => e.includes(halt)),
      'the Warning quotes the load tester',
    );
    assert.ok(events.some((e) => e.includes(`Rolling back account.${ns} failed checks threshold reached 3`)));
    assert.ok(!events.some((e) => /Advance account\.\S+ canary weight/.test(e)), 'traffic never moved');
    assert.equal(failed.status?.canaryWeight, 0);
    assert.ok(world.ingress.counts.canary.errors >= 3, 'each check asked the canary itself');
    assert.equal(world.ingress.paths.get('/healthz'), world.ingress.counts.canary.requests);
  });

  test('rollback on /rollback/check: /rollback/open mid-analysis rolls the release back', async (t) => {
    const ns = await freshNamespace(t, kc, 'ltroll');
    const world = await startLoadTesterWorld(t, ns, {
      analysis: {
        webhooks: [
          { name: 'manual-rollback', type: 'rollback', url: `http://flagger-loadtester.${ns}/rollback/check` },
        ],
      },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    await release(world);
    await eventually(
      'the first weight step',
      async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= 20 || undefined,
      60_000,
    );
    const res = await fetch(`${world.loadtester.url}/rollback/open`, {
      method: 'POST',
      body: JSON.stringify({ name: 'account', namespace: ns }),
    });
    assert.equal(res.status, 202);
    await waitForPhase(ns, 'account', 'Failed', 60_000);
    const events = await timeline(t, ns);
    assert.ok(events.some((e) => e.includes('Rollback hook manual-rollback not signaling a rollback')));
    assert.ok(events.some((e) => e.includes('Rollback check manual-rollback passed')));
    assert.ok(events.some((e) => e.includes(`Rolling back account.${ns} manual webhook invoked`)));
    assert.ok(!events.some((e) => e.includes('Promotion completed')));
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
  });

  test("post-rollout gets Flagger's payload field by field, and its curl reaches the promoted primary", async (t) => {
    const ns = await freshNamespace(t, kc, 'ltpost');
    const metadata = { type: 'bash', cmd: `curl -s http://account.${ns}:8180/released`, team: 'accounts' };
    const world = await startLoadTesterWorld(t, ns, {
      analysis: {
        webhooks: [
          { name: 'notify', type: 'post-rollout', url: `http://flagger-loadtester.${ns}/`, metadata },
          { name: 'events', type: 'event', url: `http://flagger-loadtester.${ns}/events` },
        ],
      },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    await release(world);
    const succeeded = await waitForPhase(ns, 'account', 'Succeeded', 120_000);
    const received = await eventually('the post-rollout call', () =>
      Promise.resolve(
        world.loadtester.logs.find((l) => l.msg === 'webhook received' && l.route === '/' && l.phase === 'Succeeded'),
      ),
    );
    const status = succeeded.status as { lastAppliedSpec?: string; trackedConfigs?: unknown };
    assert.equal(received.name, 'account');
    assert.equal(received.namespace, ns);
    assert.equal(received.phase, 'Succeeded');
    assert.equal(received.checksum, `${status.lastAppliedSpec ?? ''}${JSON.stringify(status.trackedConfigs ?? {})}`);
    assert.ok(String(received.checksum).length > 0, 'the checksum identifies the deployed configuration');
    assert.deepEqual(received.metadata, metadata);
    const events = await timeline(t, ns);
    assert.ok(events.some((e) => e.includes('Post-rollout check notify passed')));
    await eventually('the curl to reach the apex', () =>
      Promise.resolve(world.ingress.paths.get('/released') === 1 ? true : undefined),
    );
    assert.equal(world.ingress.counts.primary.requests, 1, 'after promotion the apex routes to the primary');

    // Event hooks get each Kubernetes event as Flagger's payload, the promotion's with the new phase.
    const eventPayloads = await eventually('the promotion event at the event hook', () => {
      const got = world.loadtester.logs.filter((l) => l.msg === 'webhook received' && l.route === '/events');
      const done = got.some((l) =>
        String((l.metadata as Record<string, string>).eventMessage).startsWith('Promotion completed!'),
      );
      return Promise.resolve(done ? got : undefined);
    });
    for (const payload of eventPayloads) {
      const p = payload as unknown as { name: string; namespace: string; metadata: Record<string, string> };
      assert.equal(p.name, 'account');
      assert.equal(p.namespace, ns);
      assert.ok(
        events.some((e) => e.includes(p.metadata.eventMessage ?? '\u0000')),
        p.metadata.eventMessage,
      );
      assert.match(p.metadata.eventType ?? '', /^(Normal|Warning)$/);
      assert.ok(Math.abs(Number(p.metadata.timestamp) - Date.now()) < 10 * 60_000);
    }
    const promoted = eventPayloads.find((l) =>
      String((l.metadata as Record<string, string>).eventMessage).startsWith('Promotion completed!'),
    );
    assert.equal(promoted?.phase, 'Succeeded', 'the promotion event carries the new phase');
  });
});
