/**
 * The CloudWatch adapter (AWS SDK v3) against a loopback server speaking CloudWatch's JSON protocol
 * (`X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, awsQueryCompatible errors).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { httpRequest } from '../../src/lib/http-client.js';
import type { MetricValue } from '../../src/engine/index.js';
import { createMetricsProvider } from '../../src/metrics/provider-factory.js';
import { type MetricsProvider, type ProviderContext } from '../../src/metrics/provider.js';
import {
  startRecordingServer,
  type CannedAnswer,
  type RecordingServer,
  type SeenRequest,
} from '../support/prometheus.js';

const NOW_MS = 1_700_000_000_000;
const context: ProviderContext = {
  request: httpRequest,
  timeoutMs: 2000,
  now: () => NOW_MS,
};
const CREDS = { aws_access_key_id: 'AKIDSERINTEST', aws_secret_access_key: 'not-a-real-secret' };

const QUERY = JSON.stringify([
  { Id: 'e1', Expression: 'm1 / m2', Label: 'ErrorRate' },
  {
    Id: 'm1',
    MetricStat: {
      Metric: {
        Namespace: 'AWS/VpcLattice',
        MetricName: 'HTTPCode_5XX_Count',
        Dimensions: [{ Name: 'TargetGroup', Value: 'tg-0123456789abcdef0' }],
      },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: false,
  },
  {
    Id: 'm2',
    MetricStat: {
      Metric: {
        Namespace: 'AWS/VpcLattice',
        MetricName: 'TotalRequestCount',
        Dimensions: [{ Name: 'TargetGroup', Value: 'tg-0123456789abcdef0' }],
      },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: false,
  },
]);

async function serve(t: TestContext, answer: (r: SeenRequest) => CannedAnswer): Promise<RecordingServer> {
  const server = await startRecordingServer(answer);
  t.after(() => server.close());
  return server;
}

function cloudwatch(address: string): MetricsProvider {
  const built = createMetricsProvider(
    {
      spec: { type: 'cloudwatch', region: 'us-east-1', address, secretRef: { name: 'aws' } },
      credentials: CREDS,
      interval: '1m',
    },
    context,
  );
  assert.ok(built.ok, built.ok ? '' : built.message);
  return built.provider;
}

const results = (values: number[]): CannedAnswer => ({
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({
    MetricDataResults: [
      {
        Id: 'e1',
        Label: 'ErrorRate',
        Timestamps: values.map((_, i) => NOW_MS / 1000 - 60 * i),
        Values: values,
        StatusCode: 'Complete',
      },
    ],
    Messages: [],
  }),
});

const awsError = (status: number, type: string, message: string): CannedAnswer => ({
  status,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${type};Sender` },
  body: JSON.stringify({ __type: `com.amazonaws.cloudwatch#${type}`, message }),
});

function errorOf(value: MetricValue): string {
  assert.equal(value.kind, 'error', `expected an error, got ${JSON.stringify(value)}`);
  return value.kind === 'error' ? value.message : '';
}

describe('CloudWatch: GetMetricData through the AWS SDK', () => {
  test('signs with the Secret’s keys, asks for the last 10 × interval, and reads the first value', async (t) => {
    const server = await serve(t, () => results([0.05, 0.07]));
    assert.deepEqual(await cloudwatch(server.url).query(QUERY), { kind: 'value', value: 0.05 });
    const [seen] = server.seen;
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.path, '/');
    assert.equal(seen?.headers['x-amz-target'], 'GraniteServiceVersion20100801.GetMetricData');
    assert.equal(seen?.headers['content-type'], 'application/x-amz-json-1.0');
    assert.match(
      String(seen?.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDSERINTEST\/\d{8}\/us-east-1\/monitoring\/aws4_request,/,
    );
    const body = JSON.parse(seen?.body ?? '{}');
    assert.equal(body.MaxDatapoints, 20);
    assert.equal(body.EndTime, NOW_MS / 1000);
    assert.equal(body.StartTime, NOW_MS / 1000 - 600);
    assert.deepEqual(body.MetricDataQueries, JSON.parse(QUERY));
  });

  test('a result without values, or no result, is no data', async (t) => {
    const answers = [results([]), { body: JSON.stringify({ MetricDataResults: [], Messages: [] }) }];
    const server = await serve(t, () => answers.shift() ?? results([]));
    assert.deepEqual(await cloudwatch(server.url).query(QUERY), {
      kind: 'no-data',
      detail: 'no values found: MetricDataResults[0] (e1) has no values',
    });
    assert.deepEqual(await cloudwatch(server.url).query(QUERY), {
      kind: 'no-data',
      detail: 'no values found: the response has no MetricDataResults',
    });
  });

  test('a refused request names CloudWatch’s error; a 500 is retried 3 times first', async (t) => {
    let calls = 0;
    const server = await serve(t, () => {
      calls++;
      return calls === 1
        ? awsError(400, 'InvalidParameterValue', 'The value m3 for parameter MetricDataQueries is invalid.')
        : awsError(500, 'InternalServiceError', 'Internal failure');
    });
    const first = errorOf(await cloudwatch(server.url).query(QUERY));
    assert.match(first, new RegExp(`^CloudWatch at ${server.url} answered 400: InvalidParameterValue`));
    assert.match(first, /The value m3 for parameter MetricDataQueries is invalid\.$/);
    const second = errorOf(await cloudwatch(server.url).query(QUERY));
    assert.match(second, /answered 500: /);
    assert.equal(calls, 1 + 4, 'one refused request, then one attempt and three retries');
  });

  test('a query that is not a JSON array of MetricDataQuery fails before any request', async (t) => {
    const server = await serve(t, () => results([1]));
    assert.match(errorOf(await cloudwatch(server.url).query('{"Id": "m1"')), /^error unmarshaling query: /);
    assert.equal(
      errorOf(await cloudwatch(server.url).query('{"Id": "m1"}')),
      'error unmarshaling query: the query must be a JSON array of MetricDataQuery objects',
    );
    assert.equal(server.seen.length, 0);
  });

  test('an unreachable endpoint says so; a body that is not JSON is an error', async (t) => {
    const server = await serve(t, () => ({ body: 'not json' }));
    assert.match(
      errorOf(await cloudwatch(server.url).query(QUERY)),
      /answered 200 with a body that is not CloudWatch JSON: /,
    );
    assert.equal(
      errorOf(await cloudwatch('http://127.0.0.1:1').query(QUERY)),
      'CloudWatch at http://127.0.0.1:1 is unreachable: connection refused',
    );
  });

  test('isOnline: CloudWatch refusing an empty query with 400 means the credentials work; 403 does not', async (t) => {
    const answers = [
      awsError(400, 'InvalidParameterCombination', 'At least one of MetricDataQueries must be specified.'),
      awsError(403, 'AccessDenied', 'User is not authorized to perform: cloudwatch:GetMetricData'),
    ];
    const server = await serve(t, () => answers.shift() ?? results([]));
    assert.deepEqual(await cloudwatch(server.url).isOnline(), { kind: 'value', value: 1 });
    assert.deepEqual(JSON.parse(server.seen[0]?.body ?? '{}').MetricDataQueries, []);
    assert.match(
      errorOf(await cloudwatch(server.url).isOnline()),
      /answered 403: AccessDenied.*cloudwatch:GetMetricData/,
    );
  });
});
