import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import { readMatrix } from './judge-matrix.js';
import { builtinJudgeSeries, podRegex, selectorProblem, templateFamily } from './judge-series.js';
import { PrometheusProvider } from './prometheus.js';
import { queryModel } from './render.js';

const prometheus = new PrometheusProvider(
  { address: new URL('http://prometheus:9090') },
  {
    request: () => Promise.reject(new Error('no network in unit tests')),
    timeoutMs: 1000,
  },
);
const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'account', namespace: 'shop' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' } },
} as Canary;

const CANARY_PODS = 'kubernetes_pod_name=~"account-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"';
const PRIMARY_PODS = 'kubernetes_pod_name=~"account-primary-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"';

describe('builtin series of the judge: raw counters, the builtin checks’ names and labels', () => {
  test('App Mesh: Envoy’s upstream requests, their 5xx, and the upstream time histogram, per arm', () => {
    const series = builtinJudgeSeries(prometheus, 'appmesh', 'account', 'shop');
    assert.equal(series.podLabel, 'kubernetes_pod_name');
    assert.deepEqual(series.requests?.selectors, {
      canary: `envoy_cluster_upstream_rq{kubernetes_namespace="shop",${CANARY_PODS}}`,
      primary: `envoy_cluster_upstream_rq{kubernetes_namespace="shop",${PRIMARY_PODS}}`,
    });
    assert.equal(
      series.errors?.selectors.canary,
      `envoy_cluster_upstream_rq{kubernetes_namespace="shop",${CANARY_PODS},envoy_response_code=~"5.*"}`,
    );
    assert.equal(
      series.latency?.selectors.primary,
      `{__name__=~"envoy_cluster_upstream_rq_time_(bucket|count)",kubernetes_namespace="shop",${PRIMARY_PODS}}`,
    );
  });

  test('kubernetes and Gateway API: the app’s http_request_duration_seconds (_count for requests, status 5xx for errors)', () => {
    const series = builtinJudgeSeries(prometheus, 'http', 'account', 'shop');
    assert.equal(
      series.requests?.selectors.canary,
      `http_request_duration_seconds_count{kubernetes_namespace="shop",${CANARY_PODS}}`,
    );
    assert.equal(
      series.errors?.selectors.primary,
      `http_request_duration_seconds_count{kubernetes_namespace="shop",${PRIMARY_PODS},status=~"5.*"}`,
    );
    assert.equal(
      series.latency?.selectors.canary,
      `{__name__=~"http_request_duration_seconds_(bucket|count)",kubernetes_namespace="shop",${CANARY_PODS}}`,
    );
  });

  test('each arm’s pod regex matches its own pods only (PromQL regexes are anchored)', () => {
    const canaryPods = new RegExp(`^${podRegex('account', 'canary')}$`);
    const primaryPods = new RegExp(`^${podRegex('account', 'primary')}$`);
    assert.ok(canaryPods.test('account-7d9f8b6c5d-x2x4z'));
    assert.ok(!canaryPods.test('account-primary-5f6d7c8b9a-abcde'));
    assert.ok(primaryPods.test('account-primary-5f6d7c8b9a-abcde'));
    assert.ok(!primaryPods.test('account-7d9f8b6c5d-x2x4z'));
  });
});

describe('MetricTemplate series for the judge', () => {
  const model = queryModel(canary, { name: 'judge' });

  test('render once per arm with variables.arm and variables.pods besides target and namespace', () => {
    const query =
      'http_requests_total{namespace="{{ namespace }}", pod=~"{{ variables.pods }}", arm="{{ variables.arm }}"}';
    const family = templateFamily(prometheus, query, model, 'metrictemplate shop/requests');
    assert.ok(family.ok);
    assert.deepEqual(family.value.selectors, {
      canary: 'http_requests_total{namespace="shop", pod=~"account-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", arm="canary"}',
      primary:
        'http_requests_total{namespace="shop", pod=~"account-primary-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", arm="primary"}',
    });
  });

  test('refuse a query that is not a series selector, saying what to write instead', () => {
    for (const [query, why] of [
      ['sum(http_requests_total{pod=~"{{ variables.pods }}"})', 'calls a function (sum)'],
      ['rate(x[1m])', 'calls a function (rate)'],
      ['x{a="1"}[5m]', 'is not a plain series selector: "[5m]" follows it'],
      ['x{a="1"} or y', 'is not a plain series selector: "or y" follows it'],
      ['{a="1"', 'has an unclosed {'],
    ] as const) {
      const family = templateFamily(prometheus, query, model, 'metrictemplate shop/t');
      assert.ok(!family.ok, query);
      assert.ok(
        family.problem.message.startsWith('metrictemplate shop/t: the judge reads raw counters'),
        family.problem.message,
      );
      assert.ok(family.problem.message.includes(why), `${family.problem.message} lacks ${why}`);
      assert.match(family.problem.fix, /without rate\(\), sum\(\) or a \[range\]/);
    }
  });

  test('a template that does not render names the template', () => {
    const family = templateFamily(prometheus, 'x{a="{{ variables.nope }}"}', model, 'metrictemplate shop/t');
    assert.ok(!family.ok);
    assert.match(family.problem.message, /^metrictemplate shop\/t: .*nope/);
  });

  test('selectors may quote any character, braces and brackets included', () => {
    assert.equal(selectorProblem('x'), undefined);
    assert.equal(selectorProblem('{__name__=~"a_(b|c)", le!="}"}'), undefined);
    assert.equal(selectorProblem('x{pod=~"a-[0-9]+", path="\\"}[1m]"}'), undefined);
    assert.equal(selectorProblem('"x"'), 'is not a series selector');
  });
});

describe('reading raw samples (matrix answers)', () => {
  const answer = (body: unknown, status = 200) =>
    ({ ok: true, status, statusText: status === 200 ? 'OK' : 'Bad Request', body: JSON.stringify(body) }) as const;
  const WHERE = 'Prometheus at http://p:9090';

  test('every series with its labels and its samples in time order', () => {
    const read = readMatrix(
      WHERE,
      'x[5m]',
      answer({
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { __name__: 'x', pod: 'a' },
              values: [
                [20, '7'],
                [10, '3'],
              ],
            },
          ],
        },
      }),
    );
    assert.deepEqual(read, {
      ok: true,
      value: [
        {
          labels: { __name__: 'x', pod: 'a' },
          samples: [
            [10, 3],
            [20, 7],
          ],
        },
      ],
    });
  });

  test('Prometheus’ own error, a vector instead of a matrix and native histograms are problems that say so', () => {
    const bad = readMatrix(
      WHERE,
      'sum(x)[5m]',
      answer(
        { status: 'error', errorType: 'bad_data', error: '1:7: parse error: ranges only allowed for vector selectors' },
        400,
      ),
    );
    assert.ok(!bad.ok);
    assert.equal(
      bad.problem.message,
      `${WHERE} answered 400 Bad Request to sum(x)[5m]: bad_data: 1:7: parse error: ranges only allowed for vector selectors`,
    );
    const vector = readMatrix(WHERE, 'x', answer({ status: 'success', data: { resultType: 'vector', result: [] } }));
    assert.ok(!vector.ok);
    assert.match(vector.problem.message, /did not answer x with a range vector/);
    const native = readMatrix(
      WHERE,
      'h[5m]',
      answer({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'a' }, histograms: [] }] } }),
    );
    assert.ok(!native.ok);
    assert.match(native.problem.message, /native histogram/);
    assert.match(native.problem.fix, /_bucket series/);
  });
});
