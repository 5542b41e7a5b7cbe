import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/objects.js';
import { AccessCache } from './access.js';
import { cachedTokenReviewer } from './auth.js';
import { checkSeries, metricBounds } from './checks.js';
import { CanaryHistory, MAX_SAMPLES, weightSeries } from './history.js';
import { safeJson } from './http.js';
import { canaryRow } from './rows.js';
import { OneTimeToken, SessionStore } from './sessions.js';
import { parseDashboardFlags } from './settings.js';
import type { Viewer } from './viewer.js';

/** A Canary as the watch cache holds it: `spec` and `status` as given, unchecked. */
function canary(namespace: string, name: string, status: Record<string, unknown>, spec: unknown = {}): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { namespace, name, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
    status,
  };
}

const viewer: Viewer = { user: 'ann', groups: [], credential: { kind: 'kubeconfig' }, csrfToken: 'x' };

test('flags: local mode binds 127.0.0.1 only; proxy headers only in kubernetes mode', () => {
  const local = parseDashboardFlags({});
  assert.ok(local.ok);
  assert.deepEqual([local.settings.mode, local.settings.address, local.settings.port], ['local', '127.0.0.1', 7700]);
  const cluster = parseDashboardFlags({ auth: 'kubernetes', authProxyHeader: 'X-Forwarded-User' });
  assert.ok(cluster.ok);
  assert.deepEqual([cluster.settings.address, cluster.settings.proxyUserHeader], ['0.0.0.0', 'x-forwarded-user']);
  const bad = parseDashboardFlags({ address: '0.0.0.0', authProxyHeader: 'X-User', port: '99999', auth: 'oidc' });
  assert.ok(!bad.ok);
  assert.equal(bad.problems.length, 4);
  assert.match(bad.problems.join('\n'), /--address 0\.0\.0\.0: the local mode listens on 127\.0\.0\.1 only/);
});

test('the one-time token opens once; sessions expire and are bounded', () => {
  const token = new OneTimeToken();
  assert.match(token.value, /^[0-9a-f]{64}$/);
  assert.equal(token.redeem('f'.repeat(64)), false);
  assert.equal(token.redeem(token.value), true);
  assert.equal(token.redeem(token.value), false);
  let now = 0;
  const sessions = new SessionStore({ lifetimeMs: 1000, max: 2, now: () => now });
  const a = sessions.create({ kind: 'kubeconfig' });
  const b = sessions.create({ kind: 'kubeconfig' });
  sessions.create({ kind: 'kubeconfig' });
  assert.equal(sessions.get(a.id), undefined, 'the oldest went first');
  assert.equal(sessions.get(b.id)?.id, b.id);
  assert.match(
    sessions.cookie(b, true),
    /^serin_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=1; Secure$/,
  );
  now = 1000;
  assert.equal(sessions.get(b.id), undefined, 'expired');
  assert.equal(sessions.get('../etc'), undefined);
});

test('TokenReview answers are reused by token hash; refusals for less long', async () => {
  let now = 0;
  const asked: string[] = [];
  const review = cachedTokenReviewer(
    (token) => {
      asked.push(token);
      return Promise.resolve(token === 'good' ? { user: 'ann', groups: [] } : undefined);
    },
    { ttlMs: 60_000, refusedTtlMs: 5_000, now: () => now },
  );
  await review('good');
  await review('good');
  await review('bad');
  now = 6_000;
  await review('bad');
  await review('good');
  assert.deepEqual(asked, ['good', 'bad', 'bad']);
});

test('access reviews: cached briefly; when the API server is away the last answer stands', async () => {
  let now = 0;
  let down = false;
  let asked = 0;
  const access = new AccessCache(
    () => {
      asked++;
      return down ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve({ allowed: true });
    },
    { ttlMs: 10, now: () => now },
  );
  const q = { verb: 'list', namespace: 'shop' } as const;
  assert.equal((await access.can(viewer, q)).allowed, true);
  assert.equal((await access.can(viewer, q)).allowed, true);
  assert.equal(asked, 1);
  down = true;
  now = 20;
  assert.equal((await access.can(viewer, q)).allowed, true, 'the last answer stands');
  const other = await access.can(viewer, { verb: 'patch', namespace: 'shop' });
  assert.equal(other.allowed, false);
  assert.match(other.reason ?? '', /cannot check the viewer's rights with the API server now: ECONNREFUSED/);
});

test('a fleet row reads what it can of a broken Canary', () => {
  const row = canaryRow(
    canary(
      'shop',
      'x',
      {
        phase: 'Progressing',
        canaryWeight: 30,
        conditions: [{ type: 'Reconciled', status: 'False', message: 'x'.repeat(5000) }],
      },
      { analysis: { stepWeights: [5, 25, 60] }, suspend: 'yes' },
    ),
    undefined,
  );
  assert.equal(row.maxWeight, 60);
  assert.equal(row.weight, 30);
  assert.equal(row.suspended, false);
  assert.ok((row.problem?.length ?? 0) <= 2048, 'long text is cut');
});

test('history: a sample per weight or phase change and per new analysis, bounded; old weights from events', () => {
  const history = new CanaryHistory();
  const at = (t: number, status: Record<string, unknown>) => history.observe(canary('s', 'a', status), t);
  at(1, {
    phase: 'Progressing',
    canaryWeight: 10,
    lastAnalysis: {
      time: '2026-01-01T00:00:00Z',
      checks: [{ name: 'rate', kind: 'metric', passed: true, value: 99.5 }],
    },
  });
  at(2, {
    phase: 'Progressing',
    canaryWeight: 10,
    lastAnalysis: {
      time: '2026-01-01T00:00:00Z',
      checks: [{ name: 'rate', kind: 'metric', passed: true, value: 99.5 }],
    },
  });
  at(3, {
    phase: 'Progressing',
    canaryWeight: 20,
    lastAnalysis: {
      time: '2026-01-01T00:01:00Z',
      checks: [{ name: 'rate', kind: 'metric', passed: false, value: 90, message: 'below' }],
    },
  });
  assert.deepEqual(
    history.weights.map((w) => [w.t, w.weight]),
    [
      [1, 10],
      [3, 20],
    ],
  );
  assert.deepEqual(
    history.checks.get('rate')?.samples.map((s) => [s.value, s.passed]),
    [
      [99.5, true],
      [90, false],
    ],
  );
  for (let i = 0; i < MAX_SAMPLES + 20; i++) at(10 + i, { canaryWeight: i % 2 ? 10 : 20 });
  assert.equal(history.weights.length, MAX_SAMPLES);
  const fresh = new CanaryHistory();
  fresh.observe(canary('s', 'a', { canaryWeight: 30 }), 1000);
  const series = weightSeries(fresh, [
    { t: 100, message: 'Advance a.s canary weight 10' },
    { t: 200, message: 'Advance a.s canary weight 20' },
    { t: 2000, message: 'Advance a.s canary weight 40' },
    { t: 300, message: 'Starting canary analysis for a.s' },
  ]);
  assert.deepEqual(
    series.map((w) => w.weight),
    [10, 20, 30],
  );
});

test('check series: bounds as the engine judges them, webhooks of the analysis, samples attached', () => {
  assert.deepEqual(metricBounds({ name: 'request-success-rate', threshold: 99 }), { min: 99 });
  assert.deepEqual(metricBounds({ name: 'request-duration', threshold: 500 }), { max: 500 });
  assert.deepEqual(metricBounds({ name: 'custom', thresholdRange: { min: 1, max: 2 } }), { min: 1, max: 2 });
  const series = checkSeries(
    {
      analysis: {
        metrics: [{ name: 'request-duration', thresholdRange: { max: 500 } }],
        webhooks: [{ name: 'load', type: 'pre-rollout' }, { name: 'acceptance' }],
      },
    },
    new Map([['request-duration', { kind: 'metric' as const, samples: [{ t: 1, passed: true, value: 20 }] }]]),
  );
  assert.deepEqual(
    series.map((s) => [s.name, s.kind, s.unit, s.max, s.samples.length]),
    [
      ['request-duration', 'metric', 'ms', 500, 1],
      ['acceptance', 'webhook', '', undefined, 0],
    ],
  );
});

test('JSON for the page cannot be read as markup but parses to the same value', () => {
  const value = { m: '</script><script>alert(1)</script> & \u2028' };
  const text = safeJson(value);
  assert.ok(!/[<>&]/.test(text));
  assert.deepEqual(JSON.parse(text), value);
});
