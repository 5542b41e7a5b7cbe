import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetricTemplateSpec } from '../api/index.js';
import { createMetricsProvider } from './provider-factory.js';
import type { Credentials, ProviderContext } from './provider.js';

const context: ProviderContext = {
  request: () => Promise.reject(new Error('no network in unit tests')),
  timeoutMs: 1000,
  now: () => 0,
};

function build(provider: Record<string, unknown>, credentials?: Credentials, interval = '1m'): string {
  const spec = provider as MetricTemplateSpec['provider'];
  const result = createMetricsProvider({ spec, credentials, interval }, context);
  return result.ok ? 'ok' : result.message;
}

describe('the provider factory', () => {
  test('builds every served type from a valid spec', () => {
    assert.equal(build({ type: 'prometheus', address: 'http://prometheus:9090' }), 'ok');
    assert.equal(build({ type: 'datadog' }, { datadog_api_key: 'a', datadog_application_key: 'b' }), 'ok');
    assert.equal(build({ type: 'cloudwatch', region: 'eu-west-1' }), 'ok');
    assert.equal(build({ type: 'newrelic' }, { newrelic_account_id: '1', newrelic_query_key: 'k' }), 'ok');
    assert.equal(build({ type: 'graphite', address: 'http://graphite' }), 'ok');
    assert.equal(build({ type: 'influxdb', address: 'http://influx:8086' }, { token: 't', org: 'o' }), 'ok');
  });

  test('an unknown type is an error naming it, not a silent Prometheus fallback', () => {
    assert.equal(
      build({ type: 'prometheos', address: 'http://prometheus:9090' }),
      'unknown metrics provider type "prometheos" (served: prometheus, datadog, cloudwatch, newrelic, graphite, influxdb)',
    );
  });

  test('Flagger types Serin does not serve yet say so', () => {
    assert.match(
      build({ type: 'dynatrace', address: 'https://x.live.dynatrace.com' }),
      /^metrics provider type "dynatrace" is not supported by Serin yet/,
    );
  });

  test('an address that is missing or not an http(s) URL is refused', () => {
    assert.equal(build({ type: 'prometheus' }), 'prometheus address is not set (spec.provider.address)');
    assert.equal(
      build({ type: 'graphite', address: 'graphite:8080' }),
      'graphite address "graphite:8080" is not a valid URL (expected http(s)://host:port)',
    );
  });

  test('credentials named in an address never reach the message', () => {
    const message = build({ type: 'prometheus', address: 'http://admin:s3cret@bad host' });
    assert.doesNotMatch(message, /s3cret/);
    assert.match(message, /is not a valid URL/);
  });

  test('Prometheus with a secret needs a token, or a username and a password', () => {
    const spec = { type: 'prometheus', address: 'http://p:9090', secretRef: { name: 's' } };
    assert.equal(build(spec, { token: 't' }), 'ok');
    assert.equal(build(spec, { username: 'u', password: 'p' }), 'ok');
    assert.equal(build(spec, { password: 'p' }), 'prometheus credentials does not contain a username (nor a token)');
    assert.equal(build(spec, { username: 'u' }), 'prometheus credentials does not contain a password');
  });

  test('Datadog and New Relic name the missing secret key', () => {
    assert.equal(
      build({ type: 'datadog' }),
      'datadog credentials does not contain datadog_api_key (no secretRef is set)',
    );
    assert.equal(
      build({ type: 'datadog' }, { datadog_api_key: 'a' }),
      'datadog credentials does not contain datadog_application_key (the secret has no key "datadog_application_key")',
    );
    assert.equal(
      build({ type: 'newrelic' }, { newrelic_query_key: 'k' }),
      'newrelic credentials does not contain newrelic_account_id (the secret has no key "newrelic_account_id")',
    );
  });

  test('providers with a query window refuse an interval Go cannot parse', () => {
    assert.equal(
      build({ type: 'datadog' }, { datadog_api_key: 'a', datadog_application_key: 'b' }, '1min'),
      'error parsing metric interval: "1min" is not a positive Go duration like 30s, 1m or 1h',
    );
  });

  test('CloudWatch needs a region, and both access keys when a secret is given', () => {
    assert.equal(
      build({ type: 'cloudwatch' }),
      'region not specified (spec.provider.region is required for cloudwatch)',
    );
    assert.equal(
      build({ type: 'cloudwatch', region: 'us-east-1' }, { aws_access_key_id: 'AKID' }),
      'cloudwatch credentials does not contain aws_secret_access_key (the secret has no key "aws_secret_access_key")',
    );
  });

  test('InfluxDB with a secret needs a token and an org; Graphite a username and a password', () => {
    const influx = { type: 'influxdb', address: 'http://influx:8086' };
    assert.equal(build(influx, { token: 't' }), 'influxdb credentials does not contain an organisation');
    assert.equal(build(influx, { org: 'o' }), 'influxdb credentials does not contain an authentication token');
    assert.equal(
      build({ type: 'graphite', address: 'http://g' }, { password: 'p' }),
      'graphite credentials does not contain a username',
    );
  });

  test('secret values never appear in factory messages', () => {
    const secret = 'do-not-print-me';
    const messages = [
      build({ type: 'prometheus', address: 'http://p:9090' }, { username: secret }),
      build({ type: 'datadog' }, { datadog_api_key: secret }),
      build({ type: 'cloudwatch', region: 'us-east-1' }, { aws_access_key_id: secret }),
      build({ type: 'influxdb', address: 'http://i' }, { token: secret }),
    ];
    for (const message of messages) assert.doesNotMatch(message, new RegExp(secret));
  });
});
