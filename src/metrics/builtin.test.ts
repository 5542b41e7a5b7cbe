import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary, CanaryMetric } from '../api/index.js';
import { providerRegistry } from '../routers/providers.js';
import type { BuiltinSeries } from '../routers/registry.js';
import { builtinQueryTemplate, toJudgeUnit, type BuiltinMetric } from './builtin.js';
import { collapseWhitespace } from './prometheus.js';
import { queryModel, renderQuery } from './render.js';

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'account', namespace: 'shop' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' } },
} as Canary;

/** The query as sent to Prometheus: rendered, whitespace collapsed. */
function sent(observer: BuiltinSeries, metric: BuiltinMetric, interval?: string): string {
  const m = (interval ? { name: metric, interval } : { name: metric }) as CanaryMetric;
  const rendered = renderQuery(builtinQueryTemplate(observer, metric), queryModel(canary, m));
  assert.ok(rendered.ok);
  return collapseWhitespace(rendered.query);
}

const POD = 'kubernetes_pod_name=~"account-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"';

describe('builtin queries are Flagger’s, whitespace collapsed', () => {
  test('App Mesh request-success-rate: non-5xx Envoy upstream requests of the canary pods, in percent', () => {
    assert.equal(
      sent('appmesh', 'request-success-rate'),
      `sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="shop", ${POD}, envoy_response_code!~"5.*" }[1m] ) ) ` +
        `/ sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="shop", ${POD} }[1m] ) ) * 100`,
    );
  });

  test('App Mesh request-duration: P99 of the Envoy upstream time histogram (ms)', () => {
    assert.equal(
      sent('appmesh', 'request-duration', '30s'),
      `histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ kubernetes_namespace="shop", ${POD} }[30s] ) ) by (le) )`,
    );
  });

  test('HTTP request-success-rate: non-5xx http_request_duration_seconds_count, in percent', () => {
    assert.equal(
      sent('http', 'request-success-rate'),
      `sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="shop", ${POD}, status!~"5.*" }[1m] ) ) ` +
        `/ sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="shop", ${POD} }[1m] ) ) * 100`,
    );
  });

  test('HTTP request-duration: P99 of http_request_duration_seconds_bucket', () => {
    assert.equal(
      sent('http', 'request-duration', '2m'),
      `histogram_quantile( 0.99, sum( rate( http_request_duration_seconds_bucket{ kubernetes_namespace="shop", ${POD} }[2m] ) ) by (le) )`,
    );
  });

  test('the pod regex matches canary pods only (PromQL regexes are anchored)', () => {
    const regex = /^account-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)$/;
    assert.ok(regex.test('account-7d9f8b6c5d-x2x4z'));
    assert.ok(!regex.test('account-primary-7d9f8b6c5d-x2x4z'));
  });
});

describe('which builtin queries a provider gets (the provider registry says)', () => {
  const observerFor = (provider: string) => providerRegistry('appmesh:v1beta2').lookup(provider)?.builtinSeries;
  test('appmesh* reads Envoy series; kubernetes and gatewayapi* read the app’s HTTP series', () => {
    assert.equal(observerFor('appmesh'), 'appmesh');
    assert.equal(observerFor('appmesh:v1beta2'), 'appmesh');
    assert.equal(observerFor('kubernetes'), 'http');
    assert.equal(observerFor('gatewayapi:v1'), 'http');
    assert.equal(observerFor('gatewayapi:v1beta1'), 'http');
  });

  test('meshes whose queries Serin does not carry get none (no silent Istio fallback)', () => {
    assert.equal(observerFor('istio'), undefined);
    assert.equal(observerFor('linkerd'), undefined);
  });

  test('durations reach the judge in ms: Envoy’s already are, the HTTP histogram is seconds', () => {
    assert.equal(toJudgeUnit('appmesh', 'request-duration', 250), 250);
    assert.equal(toJudgeUnit('http', 'request-duration', 0.25), 250);
    assert.equal(toJudgeUnit('http', 'request-success-rate', 99.5), 99.5);
  });
});
