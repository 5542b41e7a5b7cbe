import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Registry } from 'prom-client';
import type { Canary, CanaryStatus } from '../api/index.js';
import type { Routes } from '../engine/model.js';
import { ExpositionRegistry } from './exposition.js';
import { CanaryStatusValue, canaryStatusValue, FlaggerMetrics } from './flagger-metrics.js';

type Series = { labels: Record<string, string>; value: number; metricName?: string };

/**
 * The series of family `name` as a scrape serves them (a histogram's parts under their own names),
 * parsed from the text format.
 */
async function scrape(registry: Registry, name: string): Promise<Series[]> {
  const series: Series[] = [];
  for (const line of (await registry.metrics()).split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || !(match[1] === name || match[1]!.startsWith(`${name}_`))) continue;
    const labels: Record<string, string> = {};
    for (const [, label, value] of (match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    series.push({ labels, value: Number(match[3]), ...(match[1] === name ? {} : { metricName: match[1] }) });
  }
  return series;
}

function canary(name: string, status: CanaryStatus, spec: Record<string, unknown> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `${name}-app` }, analysis: {}, ...spec },
    status,
  } as Canary;
}

/** A registry with Flagger's series over `canaries` (edited by the test) and their routes. */
function world(options: { active?: boolean } = {}) {
  const registry = new ExpositionRegistry();
  const canaries: Canary[] = [];
  const routes = new Map<string, Routes>();
  let active = options.active ?? true;
  const metrics = new FlaggerMetrics(
    registry,
    { strategy: (c) => ((c.spec.analysis?.iterations ?? 0) > 0 ? 'blue-green' : 'canary') },
    { version: '0.1.0', meshProvider: 'appmesh:v1beta2' },
  );
  metrics.track({
    canaries: () => canaries,
    routes: (c) => routes.get(c.metadata?.name ?? ''),
    isActive: () => active,
  });
  return { registry, canaries, routes, metrics, setActive: (a: boolean) => (active = a) };
}

test('flagger_canary_status maps phases as Flagger does: 0 Progressing, 2 Failed, 1 for every other', () => {
  assert.equal(canaryStatusValue('Progressing'), CanaryStatusValue.Running);
  assert.equal(canaryStatusValue('Failed'), CanaryStatusValue.Failed);
  for (const phase of ['Initialized', 'Waiting', 'WaitingPromotion', 'Promoting', 'Finalising', 'Succeeded']) {
    assert.equal(canaryStatusValue(phase), CanaryStatusValue.Successful, phase);
  }
});

describe('series read from the cache at each scrape', () => {
  test('flagger_info carries the version and the mesh provider, on every replica', async () => {
    const { registry } = world({ active: false });
    assert.deepEqual(await scrape(registry, 'flagger_info'), [
      { labels: { version: '0.1.0', mesh_provider: 'appmesh:v1beta2' }, value: 1 },
    ]);
  });

  test('a progressing canary: status 0, both weights under the target names, its metric values', async () => {
    const { registry, canaries, routes } = world();
    canaries.push(
      canary('account', {
        phase: 'Progressing',
        canaryWeight: 20,
        lastAnalysis: {
          time: '2026-01-01T00:00:00Z',
          checks: [
            { name: 'load-test', kind: 'webhook', passed: true },
            { name: 'request-success-rate', kind: 'metric', passed: true, value: 99.5 },
            { name: 'request-duration', kind: 'metric', passed: true, value: 42 },
          ],
        },
      }),
    );
    routes.set('account', { primary: 80, canary: 20, mirrored: false });
    const target = { name: 'account-app', namespace: 'shop' };
    assert.deepEqual(await scrape(registry, 'flagger_canary_status'), [{ labels: target, value: 0 }]);
    assert.deepEqual(await scrape(registry, 'flagger_canary_weight'), [
      { labels: { workload: 'account-app-primary', namespace: 'shop' }, value: 80 },
      { labels: { workload: 'account-app', namespace: 'shop' }, value: 20 },
    ]);
    assert.deepEqual(await scrape(registry, 'flagger_canary_metric_analysis'), [
      { labels: { ...target, metric: 'request-success-rate' }, value: 99.5 },
      { labels: { ...target, metric: 'request-duration' }, value: 42 },
    ]);
    assert.deepEqual(await scrape(registry, 'serin_canary_phase'), [
      { labels: { ...target, phase: 'Progressing' }, value: 1 },
    ]);
  });

  test('a Canary changed since the last scrape is read afresh; its old lines are not served again', async () => {
    const { registry, canaries, routes } = world();
    const analysed = (value: number): CanaryStatus => ({
      phase: 'Progressing',
      lastAnalysis: { time: `t${value}`, checks: [{ name: 'latency', kind: 'metric', passed: true, value }] },
    });
    canaries.push(canary('account', analysed(10)));
    routes.set('account', { primary: 90, canary: 10, mirrored: false });
    await registry.metrics();
    canaries[0] = canary('account', { ...analysed(20), phase: 'Failed' });
    routes.set('account', { primary: 100, canary: 0, mirrored: false });
    const target = { name: 'account-app', namespace: 'shop' };
    assert.deepEqual(await scrape(registry, 'flagger_canary_metric_analysis'), [
      { labels: { ...target, metric: 'latency' }, value: 20 },
    ]);
    assert.deepEqual(await scrape(registry, 'flagger_canary_status'), [{ labels: target, value: 2 }]);
    assert.deepEqual(await scrape(registry, 'serin_canary_phase'), [
      { labels: { ...target, phase: 'Failed' }, value: 1 },
    ]);
    assert.deepEqual(
      (await scrape(registry, 'flagger_canary_weight')).map((s) => s.value),
      [100, 0],
    );
  });

  test('label values are escaped: a metric named with quotes, a backslash and a newline comes back whole', async () => {
    const { registry, canaries } = world();
    const name = 'say "hi" \\ to\nall';
    canaries.push(
      canary('account', {
        phase: 'Progressing',
        lastAnalysis: { time: 't', checks: [{ name, kind: 'metric', passed: true, value: 1 }] },
      }),
    );
    const [series] = await scrape(registry, 'flagger_canary_metric_analysis');
    assert.equal(series?.labels.metric, name);
    assert.match(await registry.metrics(), /metric="say \\"hi\\" \\\\ to\\nall"/);
  });

  test('flagger_canary_total counts Canaries per namespace', async () => {
    const { registry, canaries } = world();
    canaries.push(canary('a', { phase: 'Succeeded' }), canary('b', {}), {
      ...canary('c', {}),
      metadata: { name: 'c', namespace: 'web' },
    });
    assert.deepEqual(await scrape(registry, 'flagger_canary_total'), [
      { labels: { namespace: 'shop' }, value: 2 },
      { labels: { namespace: 'web' }, value: 1 },
    ]);
  });

  test('an initializing canary has no status or weight yet, as in Flagger (its primary is not ready)', async () => {
    const { registry, canaries, routes } = world();
    canaries.push(canary('account', { phase: 'Initializing' }));
    routes.set('account', { primary: 100, canary: 0, mirrored: false });
    assert.deepEqual(await scrape(registry, 'flagger_canary_status'), []);
    assert.deepEqual(await scrape(registry, 'flagger_canary_weight'), []);
  });

  test('a standby replica (not the leader) exports no per-canary series', async () => {
    const { registry, canaries, routes, setActive } = world();
    canaries.push(canary('account', { phase: 'Succeeded' }));
    routes.set('account', { primary: 100, canary: 0, mirrored: false });
    setActive(false);
    for (const name of ['flagger_canary_total', 'flagger_canary_status', 'flagger_canary_weight']) {
      assert.deepEqual(await scrape(registry, name), [], name);
    }
  });
});

describe('series recorded from what the controller did', () => {
  const progressing = (name = 'account', spec = {}) => canary(name, { phase: 'Progressing' }, spec);

  test('entering Succeeded counts a success, entering Failed a failure, with strategy and analysis status', async () => {
    const { registry, canaries, metrics } = world();
    canaries.push(progressing(), progressing('blue', { analysis: { iterations: 3 } }));
    metrics.statusWritten(progressing(), { phase: 'Succeeded' });
    metrics.statusWritten(canary('account', { phase: 'Succeeded' }), { phase: 'Succeeded' }); // no transition
    metrics.statusWritten(progressing('blue', { analysis: { iterations: 3 } }), { phase: 'Failed' });
    metrics.statusWritten(progressing('account', { skipAnalysis: true }), { phase: 'Succeeded' });
    const outcome = (name: string, strategy: string, status: string) => ({
      name,
      namespace: 'shop',
      deployment_strategy: strategy,
      analysis_status: status,
    });
    assert.deepEqual(await scrape(registry, 'flagger_canary_successes_total'), [
      { labels: outcome('account-app', 'canary', 'completed'), value: 1 },
      { labels: outcome('account-app', 'canary', 'skipped'), value: 1 },
    ]);
    assert.deepEqual(await scrape(registry, 'flagger_canary_failures_total'), [
      { labels: outcome('blue-app', 'blue-green', 'completed'), value: 1 },
    ]);
  });

  test('a reconcile that ran an analysis observes its duration; one that did not, nothing', async () => {
    const { registry, canaries, metrics } = world();
    canaries.push(progressing());
    metrics.reconcileEnded('shop/account', 0.2);
    const analysed: CanaryStatus = { phase: 'Progressing', lastAnalysis: { time: '2026-01-01T00:00:10Z', checks: [] } };
    metrics.statusWritten(progressing(), analysed);
    metrics.reconcileEnded('shop/account', 0.3);
    metrics.statusWritten(canary('account', analysed), { ...analysed, failedChecks: 1 }); // same analysis
    metrics.reconcileEnded('shop/account', 0.4);
    const series = await scrape(registry, 'flagger_canary_duration_seconds');
    const count = series.find((s) => s.metricName === 'flagger_canary_duration_seconds_count');
    const sum = series.find((s) => s.metricName === 'flagger_canary_duration_seconds_sum');
    assert.deepEqual(count?.labels, { name: 'account-app', namespace: 'shop' });
    assert.equal(count?.value, 1);
    assert.equal(sum?.value, 0.3);
  });

  test('a deleted Canary takes all its series with it, counters and durations included', async () => {
    const { registry, canaries, routes, metrics } = world();
    canaries.push(progressing(), progressing('other'));
    routes.set('account', { primary: 100, canary: 0, mirrored: false });
    metrics.statusWritten(progressing(), { phase: 'Progressing', lastAnalysis: { time: 't1', checks: [] } });
    metrics.reconcileEnded('shop/account', 0.1);
    metrics.statusWritten(progressing(), { phase: 'Failed' });
    metrics.statusWritten(progressing('other'), { phase: 'Failed' });
    canaries.splice(0, 1);
    await registry.metrics(); // a scrape notices the deletion
    const names = (series: Series[]) => series.map((s) => s.labels.name);
    assert.deepEqual(names(await scrape(registry, 'flagger_canary_failures_total')), ['other-app']);
    assert.deepEqual(await scrape(registry, 'flagger_canary_duration_seconds'), []);
    assert.deepEqual(names(await scrape(registry, 'flagger_canary_status')), ['other-app']);
    assert.deepEqual(await scrape(registry, 'flagger_canary_weight'), []);
  });
});
