/**
 * The operator's `/metrics` through real releases, in the seed's world on the real cluster (the
 * account app, its Canary with the builtin App Mesh checks, the mesh traffic simulator, a real
 * Prometheus the analysis queries): Flagger's `flagger_*` series show the weights and status the
 * release is at and count the promotion and the rollback, Serin's own series are served beside
 * them, and a second real Prometheus, scraping the operator and the simulator as a user's would,
 * answers every PromQL expression of the Grafana dashboard in deploy/grafana/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { serinVersion } from '../../src/cli/version.js';
import { parseExposition, type Labels, type Sample } from '../sim/exposition.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap } from '../support/fixtures.js';
import { appMeshWeights, deleteCanary, readCanary, waitForPhase } from '../support/operator.js';
import { startPrometheus } from '../support/prometheus.js';
import { appProperties, startSeedWorld } from '../support/seed-world.js';

const kc = testKubeConfig();
const DASHBOARD = resolve(import.meta.dirname, '../../deploy/grafana/serin-canaries.json');

/** One scrape of the operator's `/metrics`, read as strictly as Prometheus reads it. */
async function scrape(port: number): Promise<readonly Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return parseExposition(await res.text()).samples;
}

/** The value of the one series `name` whose labels include `labels`; undefined when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Labels = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `one series ${name}${JSON.stringify(labels)}, not ${found.length}`);
  return found[0]?.value;
}

/** `flagger_canary_weight` of the primary and the canary, as `appMeshWeights` reads the VirtualRouter. */
function weightsOf(samples: readonly Sample[], ns: string) {
  return {
    primary: valueOf(samples, 'flagger_canary_weight', { workload: 'account-primary', namespace: ns }),
    canary: valueOf(samples, 'flagger_canary_weight', { workload: 'account', namespace: ns }),
  };
}

/** Every `expr` in the dashboard, wherever a panel keeps it. */
function expressions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(expressions);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === 'expr' && typeof v === 'string' ? [v] : expressions(v)));
}

/** Grafana's substitution of `$name` and `${name}`; a variable the test does not know fails it. */
function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`the dashboard uses $${name}, which this test does not set`);
    return value;
  });
}

/**
 * A scrape taken once the operator's cache holds `phase`: the gauges are read from its watch cache,
 * which gets the status write a moment after the API server answers a read with it (on a busy
 * machine, long enough for a scrape to slip in between).
 */
async function scrapeOnceCached(port: number, ns: string, phase: string): Promise<readonly Sample[]> {
  return eventually(
    `/metrics showing the canary ${phase}`,
    async () => {
      const samples = await scrape(port);
      return valueOf(samples, 'serin_canary_phase', { name: 'account', namespace: ns, phase }) === 1
        ? samples
        : undefined;
    },
    10_000,
    100,
  );
}

async function instantQuery(url: string, query: string): Promise<unknown[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${query}: ${body.error}`);
  return body.data?.result ?? [];
}

test('a promotion then a rollback, seen on /metrics and through every query of the dashboard', async (t) => {
  const ns = await freshNamespace(t, kc, 'opmetrics');
  const world = await startSeedWorld(t, ns, {});
  const { port } = world.operator;
  const prometheus = await startPrometheus({ targets: [new URL(world.simulator.url).host, `127.0.0.1:${port}`] });
  t.after(() => prometheus.stop());
  const target = { name: 'account', namespace: ns };

  await waitForPhase(ns, 'account', 'Initialized');
  let samples = await scrape(port);
  assert.equal(valueOf(samples, 'flagger_info', { version: serinVersion(), mesh_provider: 'appmesh:v1beta2' }), 1);
  assert.equal(valueOf(samples, 'flagger_canary_total', { namespace: ns }), 1);
  assert.equal(valueOf(samples, 'flagger_canary_status', target), 1, 'Initialized is 1, as in Flagger');
  assert.deepEqual(weightsOf(samples, ns), { primary: 100, canary: 0 });

  // A new revision: the app's ConfigMap changes.
  await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ latencyMs: 30 }) }));
  const during = await eventually(
    'a scrape while the canary takes traffic that agrees with the VirtualRouter',
    async () => {
      const router = await appMeshWeights(ns, 'account');
      const now = await scrape(port);
      const phase = (await readCanary(ns, 'account')).status?.phase;
      const weights = weightsOf(now, ns);
      // The weight steps every 3 s: a step between the two reads is simply read again.
      if (phase !== 'Progressing' || router.canary === 0 || weights.canary !== router.canary) return undefined;
      return { router, weights, status: valueOf(now, 'flagger_canary_status', target) };
    },
    60_000,
    100,
  );
  t.diagnostic(
    `during the release: VirtualRouter ${JSON.stringify(during.router)}, /metrics ${JSON.stringify(during.weights)}`,
  );
  assert.equal(during.status, 0, 'Progressing is 0');
  assert.deepEqual(during.weights, during.router);
  assert.equal(during.weights.primary, 100 - during.router.canary);

  await waitForPhase(ns, 'account', 'Succeeded', 90_000);
  samples = await scrapeOnceCached(port, ns, 'Succeeded');
  assert.equal(valueOf(samples, 'flagger_canary_status', target), 1, 'Succeeded is 1');
  assert.deepEqual(weightsOf(samples, ns), { primary: 100, canary: 0 });
  const completed = { ...target, deployment_strategy: 'canary', analysis_status: 'completed' };
  assert.equal(valueOf(samples, 'flagger_canary_successes_total', completed), 1);
  assert.equal(valueOf(samples, 'flagger_canary_failures_total', completed), undefined);
  const rate = valueOf(samples, 'flagger_canary_metric_analysis', { ...target, metric: 'request-success-rate' });
  assert.ok(rate !== undefined && rate >= 99 && rate <= 100, `the last success rate measured: ${rate}`);
  assert.ok(
    valueOf(samples, 'flagger_canary_metric_analysis', { ...target, metric: 'request-duration' }) !== undefined,
  );
  assert.ok((valueOf(samples, 'flagger_canary_duration_seconds_count', target) ?? 0) >= 4, 'one per analysis tick');

  // The next revision answers half its requests with 5xx: three failed checks, then the rollback.
  await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ errorRate: 0.5 }) }));
  await waitForPhase(ns, 'account', 'Failed', 90_000);
  samples = await scrapeOnceCached(port, ns, 'Failed');
  assert.equal(valueOf(samples, 'flagger_canary_status', target), 2, 'Failed is 2');
  assert.deepEqual(weightsOf(samples, ns), { primary: 100, canary: 0 });
  assert.equal(valueOf(samples, 'flagger_canary_failures_total', completed), 1);
  assert.equal(valueOf(samples, 'flagger_canary_successes_total', completed), 1);

  // Serin's own series.
  assert.ok(
    (valueOf(samples, 'serin_api_requests_total', { verb: 'update', resource: 'canaries/status', code: '200' }) ?? 0) >
      0,
  );
  assert.ok(
    (valueOf(samples, 'serin_api_requests_total', { verb: 'watch', resource: 'canaries', code: '200' }) ?? 0) >= 1,
  );
  assert.equal(valueOf(samples, 'serin_watch_restarts_total', { kind: 'Canary' }), 0);
  assert.ok(valueOf(samples, 'serin_workqueue_depth') !== undefined);
  assert.ok(
    (valueOf(samples, 'serin_reconcile_duration_seconds_count', { trigger: 'tick', result: 'success' }) ?? 0) > 0,
  );
  assert.equal(valueOf(samples, 'serin_canary_phase', { ...target, phase: 'Failed' }), 1);

  // The dashboard, on what a user's Prometheus scraped: every expression has data.
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as unknown;
  const exprs = expressions(dashboard);
  assert.ok(exprs.length >= 20, `the dashboard's expressions: ${exprs.length}`);
  const values = { namespace: ns, target: 'account', __rate_interval: '1m', __range: '1h' };
  const empty: string[] = [];
  for (const expr of exprs) {
    const query = substitute(expr, values);
    const result = await eventually(
      `data for ${query}`,
      async () => {
        const r = await instantQuery(prometheus.url, query);
        return r.length > 0 ? r : undefined;
      },
      15_000,
    ).catch(() => undefined);
    if (!result) empty.push(query);
  }
  t.diagnostic(`${exprs.length} dashboard queries run, ${exprs.length - empty.length} with data`);
  assert.deepEqual(empty, [], 'every dashboard query returns data');
  const labelValues = async (label: string, match: string) => {
    const res = await fetch(`${prometheus.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(match)}`);
    return ((await res.json()) as { data: string[] }).data;
  };
  assert.ok((await labelValues('namespace', 'flagger_canary_status')).includes(ns), '$namespace lists it');
  assert.deepEqual(await labelValues('name', `flagger_canary_status{namespace="${ns}"}`), ['account'], '$target');

  // A deleted Canary takes its series with it (Flagger keeps them, fluxcd/flagger#1029).
  await deleteCanary(ns, 'account');
  await eventually('the deleted canary gone from /metrics', async () => {
    const now = await scrape(port);
    const left = now.filter((s) => s.name.startsWith('flagger_canary') && s.labels.namespace === ns);
    return left.length === 0 ? true : undefined;
  });
});
