/**
 * The InfluxDB adapter against a loopback server that checks the request Flagger's Go client sends
 * (POST /api/v2/query, JSON body, token, org) and answers annotated CSV as InfluxDB 2 does.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { httpRequest } from '../../src/lib/http-client.js';
import type { MetricValue } from '../../src/engine/index.js';
import { createMetricsProvider } from '../../src/metrics/provider-factory.js';
import { type Credentials, type MetricsProvider, type ProviderContext } from '../../src/metrics/provider.js';
import {
  startRecordingServer,
  type CannedAnswer,
  type RecordingServer,
  type SeenRequest,
} from '../support/prometheus.js';

const context: ProviderContext = {
  request: httpRequest,
  timeoutMs: 2000,
  now: () => Date.now(),
};

async function serve(t: TestContext, answer: (r: SeenRequest) => CannedAnswer): Promise<RecordingServer> {
  const server = await startRecordingServer(answer);
  t.after(() => server.close());
  return server;
}

function provider(spec: Record<string, unknown>, credentials?: Credentials): MetricsProvider {
  const built = createMetricsProvider({ spec: spec as never, credentials, interval: '1m' }, context);
  assert.ok(built.ok, built.ok ? '' : built.message);
  return built.provider;
}

function errorOf(value: MetricValue): string {
  assert.equal(value.kind, 'error', `expected an error, got ${JSON.stringify(value)}`);
  return value.kind === 'error' ? value.message : '';
}

const json = (body: unknown, status = 200): CannedAnswer => ({ status, body: JSON.stringify(body) });

describe('InfluxDB: Flux through POST /api/v2/query', () => {
  const creds = { token: 'infl-tok', org: 'my-org' };
  const csv = (datatype: string, value: string): CannedAnswer => ({
    headers: { 'content-type': 'text/csv; charset=utf-8' },
    body: [
      `#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,${datatype},string`,
      '#group,false,false,true,true,false,true',
      '#default,_result,,,,,',
      ',result,table,_start,_stop,_value,destination_workload',
      `,,0,2023-11-14T20:13:20Z,2023-11-14T22:13:20Z,${value},account`,
      '',
      '',
    ].join('\r\n'),
  });
  const flux = 'from(bucket: "default")\n  |> range(start: -2h)\n  |> count()';

  test('posts the Flux query as JSON with the token and org; reads the first _value', async (t) => {
    const server = await serve(t, () => csv('double', '12.5'));
    assert.deepEqual(
      await provider({ type: 'influxdb', address: server.url, secretRef: { name: 'i' } }, creds).query(flux),
      {
        kind: 'value',
        value: 12.5,
      },
    );
    const [seen] = server.seen;
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.url, '/api/v2/query?org=my-org');
    assert.equal(seen?.headers.authorization, 'Token infl-tok');
    assert.equal(seen?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen?.body ?? '{}'), {
      query: flux,
      type: 'flux',
      dialect: { annotations: ['datatype', 'group', 'default'], delimiter: ',', header: true },
    });
  });

  test('a count() (long) is a number too', async (t) => {
    const server = await serve(t, () => csv('long', '42'));
    assert.deepEqual(await provider({ type: 'influxdb', address: server.url }, creds).query(flux), {
      kind: 'value',
      value: 42,
    });
  });

  test('no records is no data; HTTP 400, an error table and a string _value are errors', async (t) => {
    const answers: CannedAnswer[] = [
      { body: '\r\n' },
      json({ code: 'invalid', message: 'compilation failed: undefined identifier fromm' }, 400),
      { body: '#datatype,string,string\n#group,true,true\n#default,,\n,error,reference\n,"panic: runtime error",\n' },
      csv('string', 'oops'),
    ];
    const server = await serve(t, () => answers.shift() ?? json({}));
    const p = provider({ type: 'influxdb', address: server.url }, creds);
    assert.deepEqual(await p.query(flux), {
      kind: 'no-data',
      detail: 'no values found: the query returned no records',
    });
    assert.equal(
      errorOf(await p.query(flux)),
      `InfluxDB at ${server.url} answered 400 Bad Request: invalid: compilation failed: undefined identifier fromm`,
    );
    assert.equal(errorOf(await p.query(flux)), `InfluxDB at ${server.url}: query error: panic: runtime error`);
    assert.equal(
      errorOf(await p.query(flux)),
      `InfluxDB at ${server.url}: the first record's _value is a string, not a number`,
    );
  });

  test('isOnline lists buckets', async (t) => {
    const server = await serve(t, () => ({ body: '\r\n' }));
    assert.deepEqual(await provider({ type: 'influxdb', address: server.url }, creds).isOnline(), {
      kind: 'value',
      value: 1,
    });
    assert.equal(JSON.parse(server.seen[0]?.body ?? '{}').query, 'buckets() |> limit(n: 1)');
  });
});
