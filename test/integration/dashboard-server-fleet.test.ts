/**
 * The fleet `serin dashboard` serves as the cluster changes, against a real API server (and, for the
 * canaries Serin refuses, the real operator in this process): changes close together reach a
 * stream as one delta, and a Canary the CRD admits but Serin cannot work with is still a row that
 * says what is wrong, without failing the fleet or its release view. Local mode, admin kubeconfig.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FleetDelta, FleetSnapshot, ReleaseView } from '../../src/dashboard/model.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { cached, eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { httpCall, localSession, openStream, startDashboard, startInProcess } from '../support/dashboard.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { startTestOperator } from '../support/operator.js';
import { apply } from '../support/user.js';

const kc = testKubeConfig();
const admin = new KubeRest(kc);
const canaries = (ns: string) => `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`;

async function setStatus(ns: string, name: string, status: Record<string, unknown>): Promise<void> {
  await admin.json(`${canaries(ns)}/${name}/status`, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { status },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Patches both canaries' weights and deletes canary `gone`, all at once; resolves to when each write landed. */
function changeAtOnce(ns: string, weight: number, gone: string): Promise<number[]> {
  const landed = (write: Promise<unknown>) => write.then(() => Date.now());
  return Promise.all([
    landed(setStatus(ns, 'a', { canaryWeight: weight })),
    landed(setStatus(ns, 'b', { canaryWeight: weight })),
    landed(admin.json(`${canaries(ns)}/${gone}`, { method: 'DELETE' })),
  ]);
}

/** Tries of the change: a busy machine may spread three writes over more than the batching window. */
const TRIES = 3;

test('changes made within 100 ms reach a stream as one delta; the followed canary gets its release view', async (t) => {
  // Given two canaries at 10 %, others to delete, and a viewer following one of them
  const ns = await freshNamespace(t, kc, 'dash-batch');
  const doomed = Array.from({ length: TRIES }, (_, i) => `gone-${i}`);
  await apply(...['a', 'b', ...doomed].map((name) => seedLikeCanary(ns, name)));
  await setStatus(ns, 'a', { phase: 'Progressing', canaryWeight: 10 });
  await setStatus(ns, 'b', { phase: 'Progressing', canaryWeight: 10 });
  const dashboard = await startInProcess(t, { namespace: ns });
  const { cookie } = await localSession(dashboard.url);
  await eventually('the canaries in the fleet', async () => {
    const fleet = JSON.parse((await httpCall(`${dashboard.base}/api/fleet`, { headers: { cookie } })).body);
    return (fleet as FleetSnapshot).rows.filter((r) => r.weight === 10).length === 2 ? true : undefined;
  });
  const stream = openStream(t, `${dashboard.base}/api/stream?canary=${ns}/a`, { cookie });
  assert.equal(await stream.status, 200);
  await cached('the first release view', () => stream.frames.find((f) => f.event === 'release'), 5000);
  await sleep(300); // the batch of the dashboard's first list, if still pending, is out by now

  const weights = [10];
  for (let attempt = 0; ; attempt++) {
    // When both statuses are patched and a third canary deleted, all at once
    const weight = 20 + attempt;
    weights.push(weight);
    const before = stream.frames.length;
    const changedAt = Date.now();
    const landed = await changeAtOnce(ns, weight, doomed[attempt] ?? '');
    const spread = Math.max(...landed) - Math.min(...landed);
    const release = await cached(
      `the release view at ${weight} %`,
      () =>
        stream.frames.slice(before).find((f) => f.event === 'release' && (f.data as ReleaseView).row.weight === weight),
      5000,
    );
    await sleep(300); // three flush periods: a second delta would be here by now
    const after = stream.frames.slice(before);
    t.diagnostic(
      `try ${attempt + 1}: the writes landed within ${spread} ms; ` +
        `frames: ${after.map((f) => `${f.event} at +${f.at - changedAt} ms`).join(', ')}`,
    );
    const fleet = after.filter((f) => f.event === 'fleet').map((f) => f.data as FleetDelta);
    if (fleet.length > 1 && spread > 50 && attempt + 1 < TRIES) continue;

    // Then the stream got them as one fleet delta, and the release view with the weight history
    assert.equal(fleet.length, 1, 'one batched delta');
    const view = release.data as ReleaseView;
    assert.deepEqual(
      [...(fleet[0]?.upserts ?? [])].sort((x, y) => x.name.localeCompare(y.name)).map((r) => [r.name, r.weight]),
      [
        ['a', weight],
        ['b', weight],
      ],
    );
    assert.deepEqual(
      fleet[0]?.upserts.find((r) => r.name === 'a'),
      view.row,
    );
    assert.deepEqual(fleet[0]?.deletes, [`${ns}/${doomed[attempt]}`]);
    assert.deepEqual(
      view.weights.map((w) => w.weight),
      weights,
    );
    return;
  }
});

/** Canaries the CRD admits that Serin refuses, and what each one's problem must name. */
function refusedCanaries(ns: string): { readonly canary: KubeObject; readonly names: RegExp }[] {
  const make = (name: string, change: (spec: Record<string, unknown>, analysis: Record<string, unknown>) => void) => {
    const canary = seedLikeCanary(ns, name, { hpa: false });
    const spec = canary.spec as Record<string, unknown>;
    spec.targetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'good' };
    change(spec, spec.analysis as Record<string, unknown>);
    return canary;
  };
  return [
    {
      canary: make('nowhere', (spec) => (spec.targetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gone' })),
      names: /deployment \S+\/gone not found/,
    },
    { canary: make('istio', (spec) => (spec.provider = 'istio')), names: /istio/ },
    { canary: make('slow', (_, analysis) => (analysis.interval = '40000m')), names: /interval/ },
    {
      canary: make(
        'knative',
        (spec) => (spec.targetRef = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'good' }),
      ),
      names: /Service/,
    },
  ];
}

test('a Canary the CRD admits but Serin cannot work with is a row showing its problem; the fleet and its release view answer', async (t) => {
  // Given canaries with a target that does not exist, a provider Serin does not route, a 27-day
  // interval and a kind Serin does not release, and the operator running
  const ns = await freshNamespace(t, kc, 'dash-refused');
  await apply(appConfigMap(ns, 'good', { k: 'v1' }), appDeployment(ns, 'good', { replicas: 1 }));
  const refused = refusedCanaries(ns);
  await apply(...refused.map((r) => r.canary));
  const dashboard = await startInProcess(t, { namespace: ns });
  const { cookie } = await localSession(dashboard.url);
  await startTestOperator(t, ns);

  // When the operator has told each one what is wrong
  const fleet = await eventually(
    'a problem on every row',
    async () => {
      const answer = await httpCall(`${dashboard.base}/api/fleet`, { headers: { cookie } });
      assert.equal(answer.status, 200, answer.body);
      const snapshot = JSON.parse(answer.body) as FleetSnapshot;
      return snapshot.rows.length === refused.length && snapshot.rows.every((r) => r.problem) ? snapshot : undefined;
    },
    30_000,
  );

  // Then every row shows its problem, the fleet has none of its own, and every release view answers
  assert.equal(fleet.problem, undefined, 'the dashboard itself follows the API server');
  for (const { canary, names } of refused) {
    const row = fleet.rows.find((r) => r.name === canary.metadata.name);
    assert.match(row?.problem ?? '', names, `${canary.metadata.name}: ${row?.problem}`);
  }
  for (const row of fleet.rows) {
    const answer = await httpCall(`${dashboard.base}/api/canaries/${ns}/${row.name}`, { headers: { cookie } });
    assert.equal(answer.status, 200, `${row.name}: ${answer.body.slice(0, 300)}`);
    const view = JSON.parse(answer.body) as ReleaseView;
    assert.equal(view.row.problem, row.problem);
    assert.ok(
      view.events.some((e) => e.type === 'Warning'),
      `${row.name}: the operator's warning is in the timeline`,
    );
  }
  const slow = JSON.parse(
    (await httpCall(`${dashboard.base}/api/canaries/${ns}/slow`, { headers: { cookie } })).body,
  ) as ReleaseView;
  assert.equal(slow.analysis.interval, '40000m');
  const nowhere = JSON.parse(
    (await httpCall(`${dashboard.base}/api/canaries/${ns}/nowhere`, { headers: { cookie } })).body,
  ) as ReleaseView;
  assert.deepEqual(nowhere.revision?.containers, [], 'a target that does not exist has no revision to show');
});

/** A Canary stored 6,000 levels deep (spec.service.trafficPolicy keeps unknown fields), as JSON text. */
function deepCanaryJson(ns: string): string {
  const canary = seedLikeCanary(ns, 'deep', { hpa: false }) as unknown as {
    spec: { targetRef: { name: string }; service: Record<string, unknown> };
  };
  canary.spec.targetRef.name = 'good';
  canary.spec.service.trafficPolicy = { marker: true };
  return JSON.stringify(canary).replace('{"marker":true}', `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`);
}

test('a Canary 6,000 levels deep does not stop the dashboard following the canaries beside it', async (t) => {
  const ns = await freshNamespace(t, kc, 'dash-deep');
  await apply(seedLikeCanary(ns, 'app'));
  const deep = await admin.request(canaries(ns), { method: 'POST', rawBody: deepCanaryJson(ns) });
  assert.equal(deep.status, 201, `the API server stores it: ${deep.body.slice(0, 300)}`);
  // Its own process, as a person starts it: a cache that recursed into the object overflowed the
  // stack and stopped following every canary of the namespace.
  const dashboard = await startDashboard(t, { mode: 'local', args: ['--namespace', ns], name: 'deep' });
  const { cookie } = await localSession(dashboard.printedUrl);
  const fleet = await eventually(
    'both canaries in the fleet, followed',
    async () => {
      const snapshot = JSON.parse(
        (await httpCall(`${dashboard.origin}/api/fleet`, { headers: { cookie } })).body,
      ) as FleetSnapshot;
      return snapshot.rows.length === 2 && !snapshot.problem ? snapshot : undefined;
    },
    3000,
  ).catch((err: unknown) => {
    t.diagnostic(`the dashboard's log: ${dashboard.logFile}`);
    throw err;
  });
  assert.deepEqual(fleet.rows.map((r) => r.name).sort(), ['app', 'deep']);
  const view = await httpCall(`${dashboard.origin}/api/canaries/${ns}/deep`, { headers: { cookie } });
  assert.equal(view.status, 200, view.body.slice(0, 300));
});
