/**
 * Datadog, New Relic and Graphite adapters against loopback servers that check the exact request
 * (method, path, query string, headers, auth) and answer as the real APIs do.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { httpRequest } from '../../src/lib/http-client.js';
import type { MetricTemplateSpec } from '../../src/api/index.js';
import type { MetricValue } from '../../src/engine/index.js';
import { createMetricsProvider } from '../../src/metrics/provider-factory.js';
import { type Credentials, type MetricsProvider, type ProviderContext } from '../../src/metrics/provider.js';
import {
  startRecordingServer,
  type CannedAnswer,
  type RecordingServer,
  type SeenRequest,
} from '../support/prometheus.js';

const NOW_MS = 1_700_000_000_000;
const NOW_S = NOW_MS / 1000;
const context: ProviderContext = { request: httpRequest, timeoutMs: 2000, now: () => NOW_MS };

async function serve(t: TestContext, answer: (r: SeenRequest) => CannedAnswer): Promise<RecordingServer> {
  const server = await startRecordingServer(answer);
  t.after(() => server.close());
  return server;
}

function provider(spec: Record<string, unknown>, credentials?: Credentials, interval = '1m'): MetricsProvider {
  const built = createMetricsProvider({ spec: spec as MetricTemplateSpec['provider'], credentials, interval }, context);
  assert.ok(built.ok, built.ok ? '' : built.message);
  return built.provider;
}

function errorOf(value: MetricValue): string {
  assert.equal(value.kind, 'error', `expected an error, got ${JSON.stringify(value)}`);
  return value.kind === 'error' ? value.message : '';
}

const json = (body: unknown, status = 200): CannedAnswer => ({ status, body: JSON.stringify(body) });

describe('Datadog: GET /api/v1/query with the API and application keys', () => {
  const keys = { datadog_api_key: 'dd-api', datadog_application_key: 'dd-app' };
  const series = (pointlist: unknown[]) => ({
    status: 'ok',
    res_type: 'time_series',
    query: 'sum:istio.mesh.request.count{*}',
    from_date: (NOW_S - 600) * 1000,
    to_date: NOW_S * 1000,
    series: [{ metric: 'istio.mesh.request.count', pointlist, interval: 60, length: pointlist.length, aggr: 'sum' }],
  });

  test('sends the query over the last 10 × interval and reads the oldest point of the first series', async (t) => {
    const server = await serve(t, () =>
      json(
        series([
          [(NOW_S - 600) * 1000, 2.5],
          [NOW_S * 1000, 9],
        ]),
      ),
    );
    const value = await provider({ type: 'datadog', address: server.url }, keys).query(
      'sum:istio.mesh.request.count{*}',
    );
    assert.deepEqual(value, { kind: 'value', value: 2.5 });
    const [seen] = server.seen;
    assert.equal(seen?.method, 'GET');
    assert.equal(
      seen?.url,
      `/api/v1/query?from=${NOW_S - 600}&query=sum%3Aistio.mesh.request.count%7B*%7D&to=${NOW_S}`,
    );
    assert.equal(seen?.headers['dd-api-key'], 'dd-api');
    assert.equal(seen?.headers['dd-application-key'], 'dd-app');
  });

  test('no series, no points or a null point is no data', async (t) => {
    const answers = [json({ status: 'ok', series: [] }), json(series([])), json(series([[NOW_S * 1000, null]]))];
    const server = await serve(t, () => answers.shift() ?? json({}));
    const p = provider({ type: 'datadog', address: server.url }, keys);
    for (let i = 0; i < 3; i++) assert.equal((await p.query('q')).kind, 'no-data');
  });

  test('an HTTP error names the status and Datadog’s errors; bad JSON is quoted', async (t) => {
    const answers = [
      json({ errors: ['Forbidden'] }, 403),
      { status: 500, body: 'upstream exploded' },
      { body: '{oops' },
    ];
    const server = await serve(t, () => answers.shift() ?? json({}));
    const p = provider({ type: 'datadog', address: server.url }, keys);
    assert.equal(errorOf(await p.query('q')), `Datadog at ${server.url} answered 403 Forbidden: Forbidden`);
    assert.equal(
      errorOf(await p.query('q')),
      `Datadog at ${server.url} answered 500 Internal Server Error: upstream exploded`,
    );
    assert.equal(errorOf(await p.query('q')), `Datadog at ${server.url} answered with a body that is not JSON: {oops`);
  });

  test('isOnline validates the keys at /api/v1/validate', async (t) => {
    const server = await serve(t, (r) =>
      r.headers['dd-api-key'] === 'dd-api' ? json({ valid: true }) : json({ errors: ['Forbidden'] }, 403),
    );
    assert.deepEqual(await provider({ type: 'datadog', address: server.url }, keys).isOnline(), {
      kind: 'value',
      value: 1,
    });
    assert.equal(server.seen[0]?.path, '/api/v1/validate');
    const bad = provider({ type: 'datadog', address: server.url }, { ...keys, datadog_api_key: 'wrong' });
    assert.equal(errorOf(await bad.isOnline()), 'error response: 403 Forbidden: Forbidden');
  });

  test('a server that does not answer in time is a timeout, not a hang', async (t) => {
    const server = await serve(t, () => ({ hang: true }));
    const slow = createMetricsProvider(
      { spec: { type: 'datadog', address: server.url }, credentials: keys, interval: '1m' },
      { ...context, timeoutMs: 300 },
    );
    assert.ok(slow.ok);
    assert.equal(errorOf(await slow.provider.query('q')), `Datadog at ${server.url} did not answer within 0.3s`);
  });
});

describe('New Relic: NRQL through the Insights query API', () => {
  const keys = { newrelic_account_id: '1234', newrelic_query_key: 'nr-key' };

  test('appends SINCE <interval> seconds ago and reads the result of the only row', async (t) => {
    const server = await serve(t, () => json({ results: [{ result: 1.5 }], metadata: { eventTypes: ['Metric'] } }));
    const p = provider({ type: 'newrelic', address: server.url }, keys, '2m');
    assert.deepEqual(await p.query("SELECT average(duration) FROM Transaction WHERE appName = 'account'"), {
      kind: 'value',
      value: 1.5,
    });
    const [seen] = server.seen;
    assert.equal(seen?.method, 'GET');
    assert.equal(seen?.path, '/v1/accounts/1234/query');
    assert.equal(
      seen?.query.get('nrql'),
      "SELECT average(duration) FROM Transaction WHERE appName = 'account' SINCE 120 seconds ago",
    );
    assert.equal(seen?.headers['x-query-key'], 'nr-key');
  });

  test('a row with one named field (count, average, an alias) is read too', async (t) => {
    const server = await serve(t, () => json({ results: [{ count: 7 }] }));
    assert.deepEqual(await provider({ type: 'newrelic', address: server.url }, keys).query('SELECT count(*) FROM X'), {
      kind: 'value',
      value: 7,
    });
  });

  test('no rows or a null result is no data; errors and bad JSON are errors', async (t) => {
    const answers = [
      json({ results: [] }),
      json({ results: [{ result: null }] }),
      json({ error: 'NRQL Syntax Error' }, 400),
      { body: 'nope' },
    ];
    const server = await serve(t, () => answers.shift() ?? json({}));
    const p = provider({ type: 'newrelic', address: server.url }, keys);
    assert.deepEqual(await p.query('q'), {
      kind: 'no-data',
      detail: 'no values found: expected exactly one result row, got 0',
    });
    assert.equal((await p.query('q')).kind, 'no-data');
    assert.equal(errorOf(await p.query('q')), `New Relic at ${server.url} answered 400 Bad Request: NRQL Syntax Error`);
    assert.match(errorOf(await p.query('q')), /not JSON: nope$/);
  });

  test('isOnline runs SELECT * FROM Metric', async (t) => {
    const server = await serve(t, () => json({ results: [{ events: [] }] }));
    assert.deepEqual(await provider({ type: 'newrelic', address: server.url }, keys).isOnline(), {
      kind: 'value',
      value: 1,
    });
    assert.equal(server.seen[0]?.query.get('nrql'), 'SELECT * FROM Metric SINCE 60 seconds ago');
  });
});

describe('Graphite: the render API', () => {
  const query = "target=summarize(\n  asPercent(errors.{{target}}, requests),\n  '1min', 'avg'\n)&from=-10min";

  test('sends the collapsed query with format=json and basic auth; reads the last non-null datapoint', async (t) => {
    const server = await serve(t, () =>
      json([
        {
          target: 'a',
          tags: {},
          datapoints: [
            [1, NOW_S - 120],
            [null, NOW_S - 60],
          ],
        },
        {
          target: 'b',
          tags: {},
          datapoints: [
            ['3.5', NOW_S - 60],
            [null, NOW_S],
          ],
        },
      ]),
    );
    const p = provider(
      { type: 'graphite', address: `${server.url}/graphite`, secretRef: { name: 'g' } },
      { username: 'gu', password: 'gp' },
    );
    assert.deepEqual(await p.query(query), { kind: 'value', value: 3.5 });
    const [seen] = server.seen;
    assert.equal(seen?.path, '/graphite/render');
    assert.deepEqual([...(seen?.query.keys() ?? [])], ['format', 'from', 'target']);
    assert.equal(seen?.query.get('target'), "summarize( asPercent(errors.{{target}}, requests), '1min', 'avg' )");
    assert.equal(seen?.headers.authorization, `Basic ${Buffer.from('gu:gp').toString('base64')}`);
  });

  test('no series or only nulls is no data; HTTP 500 and bad JSON are errors', async (t) => {
    const answers = [
      json([]),
      json([{ target: 'a', datapoints: [[null, 1]] }]),
      { status: 500, body: 'boom' },
      { body: '<html>' },
    ];
    const server = await serve(t, () => answers.shift() ?? json([]));
    const p = provider({ type: 'graphite', address: server.url });
    assert.deepEqual(await p.query('target=x'), {
      kind: 'no-data',
      detail: 'no values found: the query matched no series',
    });
    assert.deepEqual(await p.query('target=x'), {
      kind: 'no-data',
      detail: 'no values found: every datapoint is null',
    });
    assert.equal(
      errorOf(await p.query('target=x')),
      `Graphite at ${server.url} answered 500 Internal Server Error: boom`,
    );
    assert.match(errorOf(await p.query('target=x')), /not a render result: <html>$/);
  });

  test('isOnline renders target=test; no data still counts as online', async (t) => {
    const server = await serve(t, () => json([]));
    assert.deepEqual(await provider({ type: 'graphite', address: server.url }).isOnline(), { kind: 'value', value: 1 });
    assert.equal(server.seen[0]?.query.get('target'), 'test');
  });
});
