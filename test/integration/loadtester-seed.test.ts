/**
 * The seed's Canary exactly as written (examples/seed/canary.yaml: 30 s interval, the builtin App
 * Mesh metrics, and the `acceptance-test` rollout hook posting `curl -X GET
 * http://account-canary.shop:8180/v1/accounts/events` to `http://flagger-loadtester.shop/` as a
 * bash task) released in namespace `shop` with `serin loadtester` as that load tester.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { parseManifests } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { eventually, testKubeConfig } from '../support/cluster.js';
import { loadTesterMetric, startLoadTesterWorld } from '../support/loadtester-world.js';
import { canaryEvents, waitForPhase } from '../support/operator.js';
import { setImage } from '../support/user.js';

const kc = testKubeConfig();
const NS = 'shop';
const SEED_COMMAND = 'curl -X GET http://account-canary.shop:8180/v1/accounts/events';

async function seedObjects(): Promise<KubeObject[]> {
  const files = ['mesh.yaml', 'account.yaml', 'alert-provider.yaml', 'canary.yaml'];
  const objects: KubeObject[] = [];
  for (const file of files) {
    const path = resolve(import.meta.dirname, '../../examples/seed', file);
    for (const obj of parseManifests(await readFile(path, 'utf8'), path) as unknown as KubeObject[]) {
      // `kubectl -n shop apply -f …`: the Mesh is cluster-scoped, everything else lands in shop.
      objects.push(obj.kind === 'Mesh' ? obj : { ...obj, metadata: { ...obj.metadata, namespace: NS } });
    }
  }
  return objects;
}

describe("the seed's Canary as written, with serin loadtester as flagger-loadtester.shop", () => {
  test('a new image is analysed with the acceptance-test hook on every tick and promoted', async (t) => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    t.after(() => core.deleteNamespace({ name: NS }).catch(() => undefined));
    const objects = await seedObjects();
    const canary = objects.find((o) => o.kind === 'Canary') as KubeObject & { spec: any };
    assert.equal(canary.spec.analysis.webhooks[0].metadata.cmd, SEED_COMMAND, 'the hook as the seed wrote it');
    assert.equal(canary.spec.analysis.webhooks[0].url, 'http://flagger-loadtester.shop/');

    const world = await startLoadTesterWorld(t, NS, { objects });
    await waitForPhase(NS, 'account', 'Initialized', 120_000);
    await setImage(NS, 'account', 'registry.example.com/shop/account:1.0.1');
    await waitForPhase(NS, 'account', 'Succeeded', 420_000);

    const events = await canaryEvents(NS, 'account');
    t.diagnostic(`kubectl describe canary account -n shop\nEvents:\n${events.join('\n')}`);
    for (const weight of [20, 40, 60, 80]) {
      assert.ok(
        events.some((e) => e.includes(`Advance account.shop canary weight ${weight}`)),
        `weight ${weight}`,
      );
    }
    assert.ok(events.some((e) => e.includes('Promotion completed! Scaling down account.shop')));
    assert.ok(!events.some((e) => e.includes('external check acceptance-test failed')), 'the hook never failed');

    const calls = world.loadtester.logs.filter((l) => l.msg === 'webhook received' && l.route === '/');
    assert.ok(calls.length >= 4, `one call per analysis tick, got ${calls.length}`);
    for (const call of calls) {
      assert.deepEqual(
        { name: call.name, namespace: call.namespace, phase: call.phase, metadata: call.metadata },
        { name: 'account', namespace: 'shop', phase: 'Progressing', metadata: { type: 'bash', cmd: SEED_COMMAND } },
      );
    }
    const ran = await loadTesterMetric(world.loadtester, 'serin_loadtester_tasks_total', {
      kind: 'curl',
      outcome: 'succeeded',
    });
    assert.equal(ran, calls.length, 'each call ran the curl in-process');
    assert.equal(world.ingress.paths.get('/v1/accounts/events'), ran, "each curl reached the canary's Service");
    assert.equal(world.ingress.counts.canary.requests, ran);

    const primary = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'account-primary', namespace: NS });
    assert.equal(primary.spec?.template.spec?.containers[0]?.image, 'registry.example.com/shop/account:1.0.1');
    await eventually('no task left running', async () =>
      (await loadTesterMetric(world.loadtester, 'serin_loadtester_tasks_running')) === 0 ? true : undefined,
    );
  });
});
