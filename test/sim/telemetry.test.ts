import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExposition, renderExposition, type Sample } from './exposition.js';
import { appMeshQueries, httpQueries } from './flagger-queries.js';
import type { SimPod } from './routing.js';
import { select, selectorsOf } from './series-selector.js';
import { ENVOY_BUCKETS_MS, MeshTelemetry } from './telemetry.js';

function pod(name: string, app: string, uid: string, extra: Record<string, string> = {}): SimPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', uid, labels: { app, 'pod-template-hash': name.split('-').at(-2)!, ...extra } },
  };
}

const canary = pod('account-7d9f8c6b5d-x2k4p', 'account', 'u1', { 'app.kubernetes.io/name': 'account', status: 'x' });
const primary = pod('account-primary-5c6d7e8f9a-q1w2e', 'account-primary', 'u2');
const CANARY_CLUSTER = 'cds_ingress_global_account-canary_shop_http_8180';
const PRIMARY_CLUSTER = 'cds_ingress_global_account-primary_shop_http_8180';

/** 200 requests to the canary (2 of them 503, all 620 ms) and 100 fast ones to the primary. */
function scraped(): Sample[] {
  const t = new MeshTelemetry();
  for (let i = 0; i < 200; i++) t.record(canary, CANARY_CLUSTER, i < 2 ? 503 : 200, 620.7);
  for (let i = 0; i < 100; i++) t.record(primary, PRIMARY_CLUSTER, 200, 40);
  return [...parseExposition(renderExposition(t.families())).samples];
}

const sum = (samples: Sample[]): number => samples.reduce((a, s) => a + s.value, 0);
const model = { namespace: 'shop', target: 'account', interval: '1m' };

describe('MeshTelemetry as Prometheus sees it after the appmesh-prometheus relabelling', () => {
  test("the App Mesh success-rate query's selectors return the canary pod's Envoy series only, 5xx excluded from the numerator", () => {
    const samples = scraped();
    const [ok, all] = selectorsOf(appMeshQueries(model)['request-success-rate']);
    assert.equal(sum(select(all!, samples)), 200);
    assert.equal(sum(select(ok!, samples)), 198);
    assert.ok(select(all!, samples).every((s) => s.labels.kubernetes_pod_name === canary.metadata.name));
    const codes = select(all!, samples).map((s) => [s.labels.envoy_cluster_name, s.labels.envoy_response_code]);
    assert.deepEqual(codes, [
      [CANARY_CLUSTER, '200'],
      [CANARY_CLUSTER, '503'],
    ]);
  });

  test("the App Mesh duration query's selector returns Envoy's 19 ms buckets plus +Inf; 620 ms lands in (500, 1000]", () => {
    const [bucketSel] = selectorsOf(appMeshQueries(model)['request-duration']);
    const buckets = select(bucketSel!, scraped());
    assert.deepEqual(
      buckets.map((s) => s.labels.le),
      [...ENVOY_BUCKETS_MS.map(String), '+Inf'],
    );
    assert.deepEqual(buckets.map((s) => s.labels.le).slice(0, 3), ['0.5', '1', '5']);
    const at = (le: string): number | undefined => buckets.find((s) => s.labels.le === le)?.value;
    assert.equal(at('500'), 0);
    assert.equal(at('1000'), 200);
    assert.equal(at('+Inf'), 200);
    const samples = scraped();
    const of = (name: string) =>
      samples.find((s) => s.name === name && s.labels.kubernetes_pod_name === canary.metadata.name);
    assert.equal(of('envoy_cluster_upstream_rq_time_count')?.value, 200);
    // Envoy records whole milliseconds.
    assert.equal(of('envoy_cluster_upstream_rq_time_sum')?.value, 200 * 620);
    assert.equal(of('envoy_cluster_upstream_rq_total')?.value, 200);
  });

  test('the HTTP observer queries (kubernetes, gatewayapi) select the app histogram in seconds with a status label', () => {
    const samples = scraped();
    const queries = httpQueries(model);
    const [ok, all] = selectorsOf(queries['request-success-rate']);
    assert.equal(sum(select(all!, samples)), 200);
    assert.equal(sum(select(ok!, samples)), 198);
    const [bucketSel] = selectorsOf(queries['request-duration']);
    const buckets = select(bucketSel!, samples).filter((s) => s.labels.status === '200');
    assert.equal(buckets.find((s) => s.labels.le === '0.5')?.value, 0);
    assert.equal(buckets.find((s) => s.labels.le === '1')?.value, 198);
  });

  test('the primary (three name segments after the target) is not measured, as in Flagger', () => {
    for (const query of [...Object.values(appMeshQueries(model)), ...Object.values(httpQueries(model))]) {
      for (const sel of selectorsOf(query)) {
        assert.ok(!select(sel, scraped()).some((s) => s.labels.app === 'account-primary'));
      }
    }
    const primaryModel = { ...model, target: 'account-primary' };
    const [, all] = selectorsOf(appMeshQueries(primaryModel)['request-success-rate']);
    assert.equal(sum(select(all!, scraped())), 100);
  });

  test('series carry pod labels sanitised like labelmap does; a pod label clashing with ours is left out', () => {
    const s = scraped().find((x) => x.name === 'envoy_cluster_upstream_rq' && x.labels.app === 'account')!;
    assert.deepEqual(s.labels, {
      kubernetes_namespace: 'shop',
      kubernetes_pod_name: canary.metadata.name,
      app: 'account',
      pod_template_hash: '7d9f8c6b5d',
      app_kubernetes_io_name: 'account',
      envoy_cluster_name: CANARY_CLUSTER,
      envoy_response_code: '200',
    });
  });

  test('histograms are cumulative and _count equals the +Inf bucket; the code class counter adds up', () => {
    const samples = scraped();
    const withoutLe = ({ le: _le, ...rest }: Record<string, string>): string => JSON.stringify(rest);
    const series = new Map<string, number[]>();
    for (const s of samples.filter((x) => x.name.endsWith('_bucket'))) {
      const key = `${s.name.slice(0, -'_bucket'.length)}${withoutLe(s.labels)}`;
      series.set(key, [...(series.get(key) ?? []), s.value]);
    }
    assert.equal(series.size, 5, 'two Envoy clusters, three app (pod, status) pairs');
    for (const [key, values] of series) {
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        `${key} is cumulative`,
      );
      const count = samples.find(
        (s) => s.name.endsWith('_count') && `${s.name.slice(0, -'_count'.length)}${JSON.stringify(s.labels)}` === key,
      );
      assert.equal(count?.value, values.at(-1), `${key}: _count equals the +Inf bucket`);
    }
    const xx = samples.filter((s) => s.name === 'envoy_cluster_upstream_rq_xx' && s.labels.app === 'account');
    assert.deepEqual(
      xx.map((s) => [s.labels.envoy_response_code_class, s.value]),
      [
        ['2', 198],
        ['5', 2],
      ],
    );
  });

  test("a deleted pod's series disappear; without an Envoy cluster (Gateway API) no Envoy family is emitted", () => {
    const t = new MeshTelemetry();
    t.record(canary, undefined, 200, 5);
    t.record(primary, undefined, 200, 5);
    t.retain(new Set(['u2']));
    const samples = parseExposition(renderExposition(t.families())).samples;
    assert.ok(samples.every((s) => s.name.startsWith('http_request_duration_seconds')));
    assert.deepEqual([...new Set(samples.map((s) => s.labels.kubernetes_pod_name))], [primary.metadata.name]);
  });
});
