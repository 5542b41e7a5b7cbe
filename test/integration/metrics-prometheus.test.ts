/**
 * The Prometheus adapter and the builtin checks against a real Prometheus scraping a tiny exporter
 * whose series this file controls: App Mesh (Envoy) and app-level HTTP series of canary pods of
 * `shop/account`, plus a primary pod full of 5xx the builtin queries must not count.
 */
import { httpRequest } from '../../src/lib/http-client.js';
import { providerRegistry } from '../../src/routers/providers.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Canary, CanaryMetric } from '../../src/api/index.js';
import type { MetricValue } from '../../src/engine/index.js';
import { CanaryMetricsAnalyzer } from '../../src/metrics/analyzer.js';
import type { Cluster } from '../../src/kube/cluster.js';
import type { ProviderContext } from '../../src/metrics/provider.js';
import { PrometheusProvider } from '../../src/metrics/prometheus.js';
import { eventually } from '../support/cluster.js';
import {
  freePort,
  startPrometheus,
  startRecordingServer,
  type RecordingServer,
  type TestPrometheus,
} from '../support/prometheus.js';

const CANARY_POD = 'kubernetes_namespace="shop",kubernetes_pod_name="account-7d9f8b6c5d-x2x4z"';
const PRIMARY_POD = 'kubernetes_namespace="shop",kubernetes_pod_name="account-primary-5f6d7c8b9a-abcde"';

/** Counters grow with time at fixed rates, so every rate() and quantile below is known exactly. */
function exposition(seconds: number): string {
  const n = (perSecond: number): string => String(Math.round(perSecond * seconds * 1000) / 1000);
  const lines = [
    '# TYPE serin_test_gauge gauge',
    'serin_test_gauge 42',
    '# TYPE envoy_cluster_upstream_rq counter',
    `envoy_cluster_upstream_rq{${CANARY_POD},envoy_response_code="200"} ${n(99)}`,
    `envoy_cluster_upstream_rq{${CANARY_POD},envoy_response_code="503"} ${n(1)}`,
    `envoy_cluster_upstream_rq{${PRIMARY_POD},envoy_response_code="503"} ${n(50)}`,
    '# TYPE envoy_cluster_upstream_rq_time histogram',
  ];
  // Envoy: 80 % of requests within 25 ms, all within 50 ms → P99 = 25 + 25 × 19/20 = 48.75 ms.
  for (const [le, share] of [
    ['10', 0],
    ['25', 0.8],
    ['50', 1],
    ['+Inf', 1],
  ] as const) {
    lines.push(`envoy_cluster_upstream_rq_time_bucket{${CANARY_POD},le="${le}"} ${n(100 * share)}`);
  }
  lines.push('# TYPE http_request_duration_seconds histogram');
  // App: 98 % non-5xx; 90 % within 0.1 s, all within 0.25 s → P99 = 0.1 + 0.15 × 9/10 = 0.235 s.
  lines.push(`http_request_duration_seconds_count{${CANARY_POD},status="200"} ${n(98)}`);
  lines.push(`http_request_duration_seconds_count{${CANARY_POD},status="500"} ${n(2)}`);
  for (const [le, share] of [
    ['0.1', 0.9],
    ['0.25', 1],
    ['+Inf', 1],
  ] as const) {
    lines.push(`http_request_duration_seconds_bucket{${CANARY_POD},le="${le}"} ${n(100 * share)}`);
  }
  return `${lines.join('\n')}\n`;
}

let exporter: RecordingServer;
let prometheus: TestPrometheus;
const context: ProviderContext = { request: httpRequest, timeoutMs: 3000, now: () => Date.now() };

before(async () => {
  const start = Date.now();
  exporter = await startRecordingServer(() => ({
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: exposition((Date.now() - start) / 1000),
  }));
  prometheus = await startPrometheus({ targets: [new URL(exporter.url).host] });
});
after(async () => {
  await prometheus.stop();
  await exporter.close();
});

function promAt(url: string, timeoutMs = 3000): PrometheusProvider {
  return new PrometheusProvider({ address: new URL(url) }, { ...context, timeoutMs });
}

function canary(provider: string): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: { provider, targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' } },
  } as Canary;
}

/** Measures until Prometheus has enough samples for a rate over the window. */
async function settled(measure: () => Promise<MetricValue>): Promise<number> {
  return eventually('a value from Prometheus', async () => {
    const v = await measure();
    return v.kind === 'value' ? v.value : undefined;
  });
}

function errorOf(value: MetricValue): string {
  assert.equal(value.kind, 'error', `expected an error, got ${JSON.stringify(value)}`);
  return value.kind === 'error' ? value.message : '';
}

describe('Prometheus instant queries against a real Prometheus', () => {
  test('a scraped series is a value', async () => {
    assert.equal(await settled(() => promAt(prometheus.url).query('serin_test_gauge')), 42);
  });

  test('an empty vector is no data', async () => {
    assert.deepEqual(await promAt(prometheus.url).query('serin_no_such_metric'), { kind: 'no-data' });
  });

  test('NaN (0/0) is no data that says so, as Flagger counts it', async () => {
    assert.deepEqual(await promAt(prometheus.url).query('0/0'), {
      kind: 'no-data',
      detail: 'no values found: the query returned NaN',
    });
  });

  test('+Inf (1/0) is a value the judge will fail', async () => {
    assert.deepEqual(await promAt(prometheus.url).query('1/0'), { kind: 'value', value: Infinity });
  });

  test('bad PromQL is an HTTP error carrying Prometheus’ own words', async () => {
    assert.equal(
      errorOf(await promAt(prometheus.url).query('sum(')),
      `Prometheus at ${prometheus.url} answered 400 Bad Request: bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis`,
    );
  });

  test('a range vector is an error saying how to fix the query', async () => {
    assert.match(errorOf(await promAt(prometheus.url).query('serin_test_gauge[1m]')), /range vector \(matrix\)/);
  });

  test('a closed port, an unknown host and a silent server are unreachable, each in its own words', async (t) => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    assert.equal(
      errorOf(await promAt(closed).query('up')),
      `Prometheus at ${closed} is unreachable: connection refused`,
    );
    assert.equal(
      errorOf(await promAt('http://serin-no-such-host.invalid:9090').query('up')),
      'Prometheus at http://serin-no-such-host.invalid:9090 is unreachable: host serin-no-such-host.invalid not found (DNS)',
    );
    const silent = await startRecordingServer(() => ({ hang: true }));
    t.after(() => silent.close());
    assert.equal(
      errorOf(await promAt(silent.url, 300).query('up')),
      `Prometheus at ${silent.url} did not answer within 0.3s`,
    );
  });

  test('isOnline runs vector(1)', async () => {
    assert.deepEqual(await promAt(prometheus.url).isOnline(), { kind: 'value', value: 1 });
    assert.match(
      errorOf(await promAt(`http://127.0.0.1:${await freePort()}`).isOnline()),
      /^running query failed: .*connection refused$/,
    );
  });

  test('a query too long for a URL is sent as a POST form', async (t) => {
    const proxy = await startRecordingServer(async (r) => {
      const res = await fetch(`${prometheus.url}${r.url}`, {
        method: r.method,
        headers: { 'content-type': String(r.headers['content-type'] ?? 'text/plain') },
        ...(r.method === 'POST' ? { body: r.body } : {}),
      });
      return { status: res.status, body: await res.text() };
    });
    t.after(() => proxy.close());
    const query = `serin_test_gauge${' + 0'.repeat(1500)}`;
    assert.deepEqual(await promAt(proxy.url).query(query), { kind: 'value', value: 42 });
    assert.equal(proxy.seen[0]?.method, 'POST');
    assert.equal(proxy.seen[0]?.headers['content-type'], 'application/x-www-form-urlencoded');
  });
});

describe('builtin checks through the analyzer', () => {
  const cluster = {} as Cluster; // builtin checks read no Kubernetes objects
  const analyzer = (provider: string) =>
    new CanaryMetricsAnalyzer(
      { cluster, providers: providerRegistry(provider) },
      { defaultMetricsServer: prometheus.url, timeoutMs: 3000 },
    );
  const metric = (name: string): CanaryMetric => ({ name, interval: '1m' });

  test('App Mesh: success rate of the canary pods’ Envoy (the primary’s 5xx are not counted)', async () => {
    const rate = await settled(() =>
      analyzer('appmesh:v1beta2').measure(canary('appmesh:v1beta2'), metric('request-success-rate')),
    );
    assert.ok(Math.abs(rate - 99) < 0.01, `success rate ${rate}`);
  });

  test('App Mesh: P99 of Envoy’s upstream time, in ms', async () => {
    const ms = await settled(() =>
      analyzer('appmesh:v1beta2').measure(canary('appmesh:v1beta2'), metric('request-duration')),
    );
    assert.ok(Math.abs(ms - 48.75) < 0.01, `duration ${ms} ms`);
  });

  test('kubernetes / Gateway API: the app’s own HTTP histogram, success rate in % and P99 in ms', async () => {
    const rate = await settled(() =>
      analyzer('kubernetes').measure(canary('kubernetes'), metric('request-success-rate')),
    );
    assert.ok(Math.abs(rate - 98) < 0.01, `success rate ${rate}`);
    const ms = await settled(() => analyzer('kubernetes').measure(canary('gatewayapi:v1'), metric('request-duration')));
    assert.ok(Math.abs(ms - 235) < 0.01, `duration ${ms} ms`);
  });

  test('a target without traffic is no data', async () => {
    const quiet = { ...canary('appmesh:v1beta2'), metadata: { name: 'quiet', namespace: 'shop' } } as Canary;
    quiet.spec.targetRef.name = 'quiet';
    const value = await analyzer('appmesh').measure(quiet, metric('request-success-rate'));
    assert.deepEqual(value, { kind: 'no-data' });
  });
});
