import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary, CanaryMetric } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import type { KubeObject, ObjectRef } from '../kube/objects.js';
import { CanaryMetricsAnalyzer } from './analyzer.js';
import type { HttpClient } from '../lib/http-client.js';
import { providerRegistry } from '../routers/providers.js';

interface Call {
  readonly url: URL;
  readonly headers: Record<string, string>;
}

/** A Cluster that only reads, from a fixed set of objects. */
function fakeCluster(objects: KubeObject[]): Cluster {
  const key = (kind: string, ns: string | undefined, name: string): string => `${kind}/${ns ?? ''}/${name}`;
  const byKey = new Map(objects.map((o) => [key(o.kind, o.metadata.namespace, o.metadata.name ?? ''), o]));
  return { get: (ref: ObjectRef) => byKey.get(key(ref.kind, ref.namespace, ref.name)) } as unknown as Cluster;
}

/** A client that records requests and answers every one with a Prometheus scalar `value`. */
function fakePrometheus(value: string, calls: Call[]): HttpClient {
  return (url, request) => {
    calls.push({ url, headers: request.headers ?? {} });
    const body = JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, value] } });
    return Promise.resolve({ status: 200, statusText: 'OK', body });
  };
}

function canary(spec: Record<string, unknown> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' }, ...spec },
  } as Canary;
}

function analyzer(objects: KubeObject[], calls: Call[], value = '42', defaultProvider = 'appmesh:v1beta2') {
  return new CanaryMetricsAnalyzer(
    {
      cluster: fakeCluster(objects),
      providers: providerRegistry(defaultProvider),
      request: fakePrometheus(value, calls),
      clock: { now: () => 1_700_000_000_000 },
    },
    { defaultMetricsServer: 'http://prometheus.mesh:9090', timeoutMs: 1000 },
  );
}

const template = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'MetricTemplate',
  metadata: { name: 'not-found-percentage', namespace: 'istio-system' },
  spec,
});

const metric = (m: Record<string, unknown>): CanaryMetric => m as CanaryMetric;

describe('CanaryMetricsAnalyzer picks the query and the server (§7.2)', () => {
  test('a builtin metric runs the provider’s builtin query on the default metrics server', async () => {
    const calls: Call[] = [];
    const value = await analyzer([], calls, '99.5').measure(canary(), metric({ name: 'request-success-rate' }));
    assert.deepEqual(value, { kind: 'value', value: 99.5 });
    assert.equal(calls[0]?.url.origin, 'http://prometheus.mesh:9090');
    assert.equal(calls[0]?.url.pathname, '/api/v1/query');
    assert.match(
      calls[0]?.url.searchParams.get('query') ?? '',
      /^sum\( rate\( envoy_cluster_upstream_rq\{ kubernetes_namespace="shop"/,
    );
  });

  test('spec.metricsServer wins over the default, and HTTP durations become ms', async () => {
    const calls: Call[] = [];
    const subject = analyzer([], calls, '0.25', 'kubernetes');
    const value = await subject.measure(
      canary({ metricsServer: 'http://prom.other:9090/prefix' }),
      metric({ name: 'request-duration' }),
    );
    assert.deepEqual(value, { kind: 'value', value: 250 });
    assert.equal(calls[0]?.url.href.split('?')[0], 'http://prom.other:9090/prefix/api/v1/query');
  });

  test('a builtin metric of a mesh whose queries Serin lacks is an error, not a guess', async () => {
    const value = await analyzer([], []).measure(canary({ provider: 'istio' }), metric({ name: 'request-duration' }));
    assert.equal(value.kind, 'error');
    assert.match(value.kind === 'error' ? value.message : '', /not available for provider istio/);
  });

  test('an inline query is rendered (interval 1m by default) and run on the metrics server', async () => {
    const calls: Call[] = [];
    await analyzer([], calls).measure(
      canary(),
      metric({ name: 'errors', query: 'sum(rate(errors{ns="{{ namespace }}"}[{{ interval }}]))' }),
    );
    assert.equal(calls[0]?.url.searchParams.get('query'), 'sum(rate(errors{ns="shop"}[1m]))');
  });

  test('a templateRef in another namespace reads the template and its Secret there, with its headers', async () => {
    const calls: Call[] = [];
    const objects = [
      template({
        provider: {
          type: 'prometheus',
          address: 'http://prom.istio:9090',
          secretRef: { name: 'prom-auth' },
          headers: { Authorization: ['Basic old'], 'X-Scope-OrgID': ['a', 'b'] },
        },
        query: 'x{d="{{ variables.direction }}",t="{{ target }}"}',
      }),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'prom-auth', namespace: 'istio-system' },
        data: { token: Buffer.from('tok3n').toString('base64') },
      },
    ];
    const value = await analyzer(objects, calls, '3').measure(
      canary(),
      metric({
        name: '404s',
        templateRef: { name: 'not-found-percentage', namespace: 'istio-system' },
        templateVariables: { direction: 'inbound' },
      }),
    );
    assert.deepEqual(value, { kind: 'value', value: 3 });
    assert.equal(calls[0]?.url.searchParams.get('query'), 'x{d="inbound",t="account"}');
    assert.equal(calls[0]?.headers.authorization, 'Bearer tok3n', 'the Secret replaces a templated Authorization');
    assert.equal(calls[0]?.headers.Authorization, undefined);
    assert.equal(calls[0]?.headers['X-Scope-OrgID'], 'a, b');
  });

  test('an unknown variable in a template fails, naming the template', async () => {
    const objects = [template({ provider: { type: 'prometheus', address: 'http://p:9090' }, query: '{{ namspace }}' })];
    const value = await analyzer(objects, []).measure(
      canary(),
      metric({ name: 'x', templateRef: { name: 'not-found-percentage', namespace: 'istio-system' } }),
    );
    assert.deepEqual(value, {
      kind: 'error',
      message:
        'metrictemplate istio-system/not-found-percentage: query action "{{ namspace }}": unknown function or variable "namspace" (Flagger\'s query templates have name, namespace, target, service, ingress, route, interval, variables and Go\'s builtins such as printf)',
    });
  });

  test('a missing template or Secret is an error naming it and the fix', async () => {
    const missing = await analyzer([], []).measure(canary(), metric({ name: 'x', templateRef: { name: 'nope' } }));
    assert.deepEqual(missing, {
      kind: 'error',
      message:
        'metrictemplate shop/nope not found: create it, or point templateRef of metric "x" at an existing MetricTemplate',
    });
    const objects = [
      template({ provider: { type: 'prometheus', address: 'http://p:9090', secretRef: { name: 's' } }, query: 'up' }),
    ];
    const noSecret = await analyzer(objects, []).measure(
      canary(),
      metric({ name: 'x', templateRef: { name: 'not-found-percentage', namespace: 'istio-system' } }),
    );
    assert.deepEqual(noSecret, {
      kind: 'error',
      message:
        "metrictemplate istio-system/not-found-percentage: secret istio-system/s not found: create it in the template's namespace istio-system",
    });
  });

  test('a builtin-named metric with a templateRef runs the template when asked for it', async () => {
    const calls: Call[] = [];
    const objects = [template({ provider: { type: 'prometheus', address: 'http://tpl:9090' }, query: 'tpl_query' })];
    const m = metric({
      name: 'request-duration',
      templateRef: { name: 'not-found-percentage', namespace: 'istio-system' },
    });
    await analyzer(objects, calls).measure(canary(), m, undefined, 'template');
    assert.equal(calls[0]?.url.host, 'tpl:9090');
    assert.equal(calls[0]?.url.searchParams.get('query'), 'tpl_query');
  });

  test('a custom metric with neither query nor templateRef says so (Flagger’s words)', async () => {
    const value = await analyzer([], []).measure(canary(), metric({ name: 'lonely' }));
    assert.deepEqual(value, { kind: 'error', message: 'no usable metrics template and query were configured' });
  });

  test('checkProviders asks Prometheus for vector(1) and each template provider whether it is online', async () => {
    const calls: Call[] = [];
    const objects = [template({ provider: { type: 'prometheus', address: 'http://tpl:9090' }, query: 'q' })];
    const metrics = [
      { name: 'request-success-rate' },
      { name: 'request-duration' },
      { name: 'x', templateRef: { name: 'not-found-percentage', namespace: 'istio-system' } },
    ];
    const result = await analyzer(objects, calls, '1').checkProviders(canary({ analysis: { metrics } }));
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(
      calls.map((c) => `${c.url.host} ${c.url.searchParams.get('query')}`),
      ['prometheus.mesh:9090 vector(1)', 'tpl:9090 vector(1)'],
    );
    const down = await analyzer(objects, [], '0').checkProviders(canary({ analysis: { metrics } }));
    assert.deepEqual(down, { ok: false, message: 'prometheus not avaiable: value is not 1 for query: vector(1)' });
  });
});
