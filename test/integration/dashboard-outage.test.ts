/**
 * `serin dashboard` while its API server is away: the fleet is still served from the watch cache,
 * saying that it does not follow the API server now, and once the server is back the cache lists
 * again and changes reach a stream that stayed open all along. Runs on a private control plane: the
 * outage must not disturb the tests sharing the run's cluster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { FleetDelta, FleetSnapshot } from '../../src/dashboard/model.js';
import { applyObjects } from '../../src/kube/apply.js';
import { KubeRest } from '../../src/kube/rest.js';
import { cached, eventually } from '../support/cluster.js';
import { httpCall, localSession, openStream, startInProcess } from '../support/dashboard.js';
import { seedLikeCanary } from '../support/fixtures.js';
import { startPrivateCluster } from '../support/private-cluster.js';

test('the API server going away: the fleet is served from the cache with the problem, then follows again', async (t) => {
  // Given a canary at 10 % on a cluster of this test's own, the dashboard, and a viewer's open stream
  const cluster = await startPrivateCluster(t, (line) => t.diagnostic(line));
  const rest = new KubeRest(cluster.kc);
  const ns = 'shop';
  await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyObjects(cluster.kc, [seedLikeCanary(ns, 'app')]);
  const setWeight = (canaryWeight: number) =>
    rest.json(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/app/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'Progressing', canaryWeight } },
    });
  await setWeight(10);
  const dashboard = await startInProcess(t, { namespace: ns }, cluster.kubeconfig);
  const { cookie } = await localSession(dashboard.url);
  const fleet = async () => {
    const answer = await httpCall(`${dashboard.base}/api/fleet`, { headers: { cookie } });
    assert.equal(answer.status, 200, answer.body);
    return JSON.parse(answer.body) as FleetSnapshot;
  };
  await eventually('the canary at 10 %', async () => ((await fleet()).rows[0]?.weight === 10 ? true : undefined));
  const stream = openStream(t, `${dashboard.base}/api/stream`, { cookie });
  assert.equal(await stream.status, 200);

  // When kube-apiserver is killed, and started again a while later
  let during: FleetSnapshot | undefined;
  const downMs = await cluster.restartApiserver(0, async () => {
    during = await eventually(
      'the fleet saying it does not follow the API server',
      async () => {
        const snapshot = await fleet();
        return snapshot.problem ? snapshot : undefined;
      },
      30_000,
      100,
    );
  });
  t.diagnostic(`kube-apiserver unreachable for ${downMs} ms; the fleet said: ${during?.problem}`);

  // Then while it was down the fleet was the cached one, with the problem
  assert.match(during?.problem ?? '', /^not following the API server now: \S/);
  assert.match(during?.problem ?? '', /does not answer; the page shows what was last seen/);
  assert.deepEqual(
    during?.rows.map((r) => [r.name, r.weight]),
    [['app', 10]],
  );

  // And once it is back, a change reaches the stream that stayed open, and the problem is gone
  const before = stream.frames.length;
  await setWeight(30);
  await cached(
    'the change on the open stream',
    () =>
      stream.frames
        .slice(before)
        .find((f) => f.event === 'fleet' && (f.data as FleetDelta).upserts.some((r) => r.weight === 30)),
    30_000,
  );
  const back = await eventually('the fleet following again', async () => {
    const snapshot = await fleet();
    return snapshot.problem === undefined ? snapshot : undefined;
  });
  assert.equal(back.rows[0]?.weight, 30);
});
