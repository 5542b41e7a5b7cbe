/**
 * What a settled fleet costs the API server: 100 canaries, all Initialized, ticking every second.
 * A steady tick decides from the watch caches alone — it neither reads from the API server nor
 * writes anything, since nothing changed. Counted from the operator's own record of every request
 * it sends (`serin_api_requests_total`, kept by the one HTTP client all its API traffic goes
 * through), so the other test files running beside this one on the same cluster do not blur it.
 * bench/scale measures the same at 1,000 and 5,000 canaries from the API server's audit log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyObjects } from '../../src/kube/apply.js';
import { parseExposition, type Sample } from '../sim/exposition.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { startTestOperator } from '../support/operator.js';
import { KubeRest } from '../../src/kube/rest.js';

const FLEET = 100;
const kc = testKubeConfig();
const READS = new Set(['get', 'list']);
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

async function scrape(port: number): Promise<readonly Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return parseExposition(await res.text()).samples;
}

/** `verb resource` → requests so far, and tick reconciles so far. */
function tally(samples: readonly Sample[]): { requests: Map<string, number>; ticks: number } {
  const requests = new Map<string, number>();
  for (const s of samples.filter((s) => s.name === 'serin_api_requests_total')) {
    const key = `${s.labels.verb} ${s.labels.resource}`;
    requests.set(key, (requests.get(key) ?? 0) + s.value);
  }
  const ticks = samples
    .filter((s) => s.name === 'serin_reconcile_duration_seconds_count' && s.labels.trigger === 'tick')
    .reduce((sum, s) => sum + s.value, 0);
  return { requests, ticks };
}

test(`${FLEET} settled canaries tick every second without one read or write to the API server`, async (t) => {
  const ns = await freshNamespace(t, kc, 'steady');
  const names = Array.from({ length: FLEET }, (_, i) => `app-${String(i).padStart(3, '0')}`);
  for (const name of names) {
    await applyObjects(
      kc,
      [
        appConfigMap(ns, name, { 'application.properties': 'server.port=8180' }),
        appDeployment(ns, name, { replicas: 1 }),
        seedLikeCanary(ns, name, { hpa: false, analysis: { interval: '1s' } }),
      ],
      'gitops',
    );
  }
  const operator = await startTestOperator(t, ns);
  const rest = new KubeRest(kc);
  await eventually(
    `all ${FLEET} canaries Initialized`,
    async () => {
      const list = await rest.json<{ items: { status?: { phase?: string } }[] }>(
        `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`,
      );
      const done = list.items.filter((c) => c.status?.phase === 'Initialized').length;
      return done === FLEET ? true : undefined;
    },
    240_000,
    1_000,
  );
  // The last initializations' own writes (events, status) have landed; from here on nothing changes.
  await new Promise((done) => setTimeout(done, 3_000));
  const before = tally(await scrape(operator.port));
  await new Promise((done) => setTimeout(done, 5_000));
  const after = tally(await scrape(operator.port));

  const ticks = after.ticks - before.ticks;
  assert.ok(ticks >= FLEET * 3, `the canaries ticked (${ticks} tick reconciles in 5 s)`);
  const sent = [...after.requests]
    .map(([key, n]): [string, number] => [key, n - (before.requests.get(key) ?? 0)])
    .filter(([, n]) => n > 0);
  const verb = (key: string) => key.split(' ')[0] ?? '';
  assert.deepEqual(
    sent.filter(([key]) => READS.has(verb(key))),
    [],
    `reads during ${ticks} steady ticks`,
  );
  assert.deepEqual(
    sent.filter(([key]) => WRITES.has(verb(key))),
    [],
    `writes during ${ticks} steady ticks, where nothing changed`,
  );
});
