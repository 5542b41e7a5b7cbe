import assert from 'node:assert/strict';
import { test } from 'node:test';
import { providerRegistry } from '../routers/providers.js';
import { parseOperatorFlags } from './settings.js';

/** The flags as commander hands them over with every default in place. */
const defaults = (): Record<string, unknown> => ({
  meshProvider: 'appmesh:v1beta2',
  metricsServer: 'http://prometheus:9090',
  port: '8080',
  logLevel: 'info',
  jit: 'baseline',
  memoryTrimInterval: '30s',
  minInterval: '10s',
  selectorLabels: ['app', 'name', 'app.kubernetes.io/name'],
  includeLabelPrefix: [],
  configTracking: true,
  threadiness: '4',
  maxConcurrentAnalyses: '0',
  maxConcurrentQueries: '8',
  leaseDuration: '60s',
  renewDeadline: '15s',
  retryPeriod: '5s',
  slackUser: 'flagger',
});

const issuesOf = (flags: Record<string, unknown>) => {
  const parsed = parseOperatorFlags({ ...defaults(), ...flags }, providerRegistry);
  assert.equal(parsed.ok, false);
  return parsed.ok ? [] : parsed.issues.map((i) => `${i.flag}: ${i.message}`);
};

test('the default flags become frozen settings in ms and numbers', () => {
  const parsed = parseOperatorFlags(defaults(), providerRegistry);
  assert.ok(parsed.ok);
  assert.equal(parsed.settings.minIntervalMs, 10_000);
  assert.equal(parsed.settings.port, 8080);
  assert.equal(parsed.settings.concurrency, 4);
  assert.equal(parsed.settings.maxConcurrentAnalyses, 4, 'as many analyses as reconciles');
  assert.equal(parsed.settings.maxConcurrentQueries, 8);
  assert.equal(parsed.settings.leaderElection, undefined);
  assert.ok(Object.isFrozen(parsed.settings) && Object.isFrozen(parsed.settings.selectorLabels));
});

test('durations take Go’s grammar: 500ms, 1m30s', () => {
  const parsed = parseOperatorFlags(
    { ...defaults(), minInterval: '500ms', enableLeaderElection: true, leaseDuration: '1m30s' },
    providerRegistry,
  );
  assert.ok(parsed.ok);
  assert.equal(parsed.settings.minIntervalMs, 500);
  assert.equal(parsed.settings.leaderElection?.leaseDurationMs, 90_000);
  assert.equal(parsed.settings.leaderElection?.namespace, 'kube-system');
});

test('an unknown --mesh-provider is refused with the providers Serin routes (no silent default)', () => {
  assert.deepEqual(issuesOf({ meshProvider: 'istoi' }), [
    '--mesh-provider: "istoi" is not a provider this Serin routes; use appmesh:v1beta2 or gatewayapi:v1 or gatewayapi:v1beta1 or kubernetes',
  ]);
});

test('a malformed --metrics-server is refused at start, not on the first metric call', () => {
  for (const url of ['prometheus:9090', 'ftp://prometheus', 'not a url']) {
    assert.match(
      issuesOf({ metricsServer: url })[0] ?? '',
      /^--metrics-server: ".*" is not an http:\/\/ or https:\/\/ URL/,
    );
  }
});

test('a bad duration names the flag and the expected form', () => {
  assert.deepEqual(issuesOf({ minInterval: '10x' }), [
    '--min-interval: must be a duration such as 500ms, 30s or 1m30s, never negative, got "10x"',
  ]);
});

test('--jit takes baseline or full', () => {
  const parsed = parseOperatorFlags({ ...defaults(), jit: 'full' }, providerRegistry);
  assert.equal(parsed.ok && parsed.settings.jit, 'full');
  const [issue = ''] = issuesOf({ jit: 'fast' });
  assert.match(issue, /^--jit: .*"fast"/);
  assert.match(issue, /baseline/);
});

test('every bad flag is listed at once', () => {
  const issues = issuesOf({ meshProvider: 'nope', port: '70000', threadiness: '0', retryPeriod: '-1s' });
  assert.deepEqual(
    issues.map((i) => i.split(':')[0]),
    ['--retry-period', '--mesh-provider', '--port', '--threadiness'],
  );
});

test('election timings out of order are refused when leader election is on', () => {
  assert.match(
    issuesOf({ enableLeaderElection: true, retryPeriod: '20s' })[0] ?? '',
    /^--retry-period: --retry-period \(20s\) < --renew-deadline \(15s\) < --lease-duration \(60s\) must hold/,
  );
});

test('the concurrency flags: analyses bounded apart from reconciles, and at least one query at a time', () => {
  const parsed = parseOperatorFlags(
    { ...defaults(), threadiness: '16', maxConcurrentAnalyses: '4', maxConcurrentQueries: '32' },
    providerRegistry,
  );
  assert.ok(parsed.ok);
  assert.deepEqual(
    [parsed.settings.concurrency, parsed.settings.maxConcurrentAnalyses, parsed.settings.maxConcurrentQueries],
    [16, 4, 32],
  );
  assert.deepEqual(issuesOf({ maxConcurrentQueries: '0' }), [
    '--max-concurrent-queries: must be at least 1 (the default is 8)',
  ]);
  assert.match(issuesOf({ maxConcurrentAnalyses: 'many' })[0] ?? '', /^--max-concurrent-analyses: /);
});
