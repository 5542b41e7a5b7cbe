import { providerRegistry } from '../routers/providers.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary, CanaryMetric } from '../api/index.js';
import type { MetricSource, MetricValue } from '../engine/index.js';
import type { ProvidersCheck } from '../metrics/analyzer.js';
import { metricChecks, type MetricCheckDeps } from './metric-checks.js';
import { SnapshotCluster } from './snapshot-cluster.js';

function canary(metrics: CanaryMetric[]): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' }, analysis: { metrics } },
  } as Canary;
}

/** An analyzer answering from a table of `name/source` → value. */
function deps(
  values: Record<string, MetricValue>,
  providers: ProvidersCheck = { ok: true },
  templates: Record<string, string> = {},
): MetricCheckDeps & { asked: string[] } {
  const asked: string[] = [];
  const cluster = new SnapshotCluster();
  for (const [name, query] of Object.entries(templates)) {
    const ref = { apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', namespace: 'shop', name };
    cluster.remember(ref, { kind: 'found', from: 'cluster', object: { ...ref, metadata: { name }, spec: { query } } });
  }
  return {
    asked,
    cluster,
    analyzer: {
      measure: (_c: Canary, metric: CanaryMetric, _s?: AbortSignal, source?: MetricSource) => {
        asked.push(`${metric.name}/${source ?? ''}`);
        return Promise.resolve(values[`${metric.name}/${source ?? ''}`] ?? { kind: 'no-data' });
      },
      checkProviders: () => Promise.resolve(providers),
    },
  };
}

const OPTIONS = { providers: providerRegistry('appmesh:v1beta2') };

describe('metric checks', () => {
  test('measure as the operator does (builtin first, then templates) and judge each value', async () => {
    const d = deps({
      'request-duration/builtin': { kind: 'value', value: 120 },
      'error-rate/template': { kind: 'value', value: 7 },
      'request-success-rate/builtin': { kind: 'value', value: 99.5 },
    });
    const lines = await metricChecks(
      canary([
        { name: 'error-rate', templateRef: { name: 'errors' }, thresholdRange: { max: 5 } },
        { name: 'request-success-rate', thresholdRange: { min: 99 } },
        { name: 'request-duration', thresholdRange: { max: 500 } },
      ]),
      d,
      OPTIONS,
    );
    assert.deepEqual(d.asked, ['request-success-rate/builtin', 'request-duration/builtin', 'error-rate/template']);
    assert.deepEqual(
      lines.map((l) => `${l.status} ${l.message}`),
      [
        'pass metric providers answer (the operator checks this when a canary initializes)',
        'pass request-success-rate (builtin) = 99.5: would pass today (min 99)',
        'pass request-duration (builtin) = 120ms: would pass today (max 500)',
        'fail error-rate (template shop/errors) = 7: would fail today: error-rate 7.00 > 5',
      ],
    );
    assert.deepEqual(lines[3]?.data, { metric: 'error-rate', source: 'template', outcome: 'value', value: 7 });
  });

  test('no data from a builtin metric is only a warning: there is no canary traffic before a run', async () => {
    const lines = await metricChecks(canary([{ name: 'request-success-rate' }]), deps({}), OPTIONS);
    assert.equal(lines[1]?.status, 'warn');
    assert.match(lines[1]?.message ?? '', /no data — expected before a canary run/);
  });

  test('no data from a template is a warning when its query selects the target, an error otherwise', async () => {
    const templates = { canary: 'rate(x{pod=~"{{ target }}-.*"}[1m])', global: 'sum(rate(errors_total[1m]))' };
    const lines = await metricChecks(
      canary([
        { name: 'a', templateRef: { name: 'canary' } },
        { name: 'b', templateRef: { name: 'global' } },
      ]),
      deps({}, { ok: true }, templates),
      OPTIONS,
    );
    assert.deepEqual(
      lines.slice(1).map((l) => l.status),
      ['warn', 'fail'],
    );
    assert.match(lines[2]?.message ?? '', /b \(template shop\/global\): no data: the query matched nothing now/);
  });

  test('a provider error fails with its words and a fix; the provider check does not repeat it', async () => {
    const down = 'Prometheus at http://127.0.0.1:1 is unreachable: connection refused';
    const lines = await metricChecks(
      canary([{ name: 'request-success-rate' }]),
      deps({ 'request-success-rate/builtin': { kind: 'error', message: down } }, { ok: false, message: down }),
      OPTIONS,
    );
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.status, 'fail');
    assert.equal(lines[0]?.message, `request-success-rate (builtin): Prometheus query failed: ${down}`);
    assert.match(lines[0]?.fix ?? '', /--metrics-server/);
  });

  test('a failed provider check stands alone when no metric failed', async () => {
    const lines = await metricChecks(
      canary([{ name: 'request-success-rate' }]),
      deps({}, { ok: false, message: 'prometheus not avaiable: timeout' }),
      OPTIONS,
    );
    assert.deepEqual(
      lines.map((l) => l.status),
      ['fail', 'warn'],
    );
    assert.match(lines[0]?.message ?? '', /^Error checking metric providers: prometheus not avaiable/);
  });

  test('a Canary without metrics has nothing to measure', async () => {
    assert.deepEqual(await metricChecks(canary([]), deps({}), OPTIONS), []);
  });
});
