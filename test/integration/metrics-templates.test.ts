/**
 * MetricTemplates end to end: templates and Secrets created in the real cluster, read through an
 * ApiCluster's caches, queried against a real Prometheus behind an authenticating proxy (bearer,
 * basic, custom headers) and behind TLS with a self-signed certificate.
 */
import { providerRegistry } from '../../src/routers/providers.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Canary, CanaryMetric } from '../../src/api/index.js';
import type { MetricValue } from '../../src/engine/index.js';
import type { ApiCluster } from '../../src/kube/api-cluster.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { CanaryMetricsAnalyzer, METRIC_TEMPLATE_GVK, METRICS_KINDS, SECRET_GVK } from '../../src/metrics/analyzer.js';
import { cached, eventually, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';
import {
  freePort,
  startPrometheus,
  startRecordingServer,
  type CannedAnswer,
  type RecordingServer,
  type SeenRequest,
  type TestPrometheus,
} from '../support/prometheus.js';

const kc = testKubeConfig();
const TOKEN = 'tok3n-never-printed';
const BASIC = `Basic ${Buffer.from('prom:pa55').toString('base64')}`;

let exporter: RecordingServer;
let prometheus: TestPrometheus;
let proxy: RecordingServer;
let tlsProxy: RecordingServer;
let certDir: string;

/** Forwards a request to the real Prometheus. */
async function forward(r: SeenRequest): Promise<CannedAnswer> {
  const res = await fetch(`${prometheus.url}${r.url}`);
  return { status: res.status, body: await res.text() };
}

before(async () => {
  exporter = await startRecordingServer(() => ({
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: '# TYPE serin_test_gauge gauge\nserin_test_gauge{team="payments"} 42\nserin_test_gauge{team="search"} 7\n',
  }));
  prometheus = await startPrometheus({ targets: [new URL(exporter.url).host] });
  // Stands in for an authenticating gateway in front of Prometheus (as Thanos, Cortex or Mimir have).
  proxy = await startRecordingServer((r) =>
    r.headers.authorization === `Bearer ${TOKEN}` || r.headers.authorization === BASIC
      ? forward(r)
      : { status: 401, body: JSON.stringify({ status: 'error', errorType: 'unauthorized', error: 'bad credentials' }) },
  );
  certDir = mkdtempSync(join(tmpdir(), 'serin-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
  ], { stdio: 'ignore' }); // prettier-ignore
  const tls = {
    key: readFileSync(join(certDir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(certDir, 'cert.pem'), 'utf8'),
  };
  tlsProxy = await startRecordingServer(forward, tls);
  await eventually('first scrape', async () => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=serin_test_gauge`);
    return (await res.text()).includes('payments') ? true : undefined;
  });
});

after(async () => {
  await Promise.all([proxy.close(), tlsProxy.close()]);
  await prometheus.stop();
  await exporter.close();
  rmSync(certDir, { recursive: true, force: true });
});

interface Setup {
  readonly cluster: ApiCluster;
  readonly canaryNs: string;
  readonly templateNs: string;
  readonly analyzer: CanaryMetricsAnalyzer;
}

async function setup(t: TestContext): Promise<Setup> {
  const canaryNs = await freshNamespace(t, kc, 'mt-canary');
  const templateNs = await freshNamespace(t, kc, 'mt-templates');
  const cluster = await startApiCluster(t, METRICS_KINDS);
  const analyzer = new CanaryMetricsAnalyzer(
    { cluster, providers: providerRegistry('appmesh:v1beta2') },
    { defaultMetricsServer: prometheus.url, timeoutMs: 3000 },
  );
  return { cluster, canaryNs, templateNs, analyzer };
}

async function createTemplate(s: Setup, name: string, provider: Record<string, unknown>, query: string): Promise<void> {
  await s.cluster.create<KubeObject>({
    ...METRIC_TEMPLATE_GVK,
    metadata: { name, namespace: s.templateNs },
    spec: { provider, query },
  });
  await cached(`template ${name}`, () => s.cluster.get({ ...METRIC_TEMPLATE_GVK, namespace: s.templateNs, name }));
}

async function createSecret(s: Setup, name: string, data: Record<string, string>): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  await s.cluster.create<KubeObject>({ ...SECRET_GVK, metadata: { name, namespace: s.templateNs }, data: encoded });
  await cached(`secret ${name}`, () => s.cluster.get({ ...SECRET_GVK, namespace: s.templateNs, name }));
}

function canary(s: Setup, metrics: CanaryMetric[] = []): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: s.canaryNs },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' }, analysis: { metrics } },
  } as Canary;
}

function metric(s: Setup, template: string, extra: Record<string, unknown> = {}): CanaryMetric {
  return {
    name: 'team-load',
    templateRef: { name: template, namespace: s.templateNs },
    interval: '1m',
    ...extra,
  };
}

function errorOf(value: MetricValue): string {
  assert.equal(value.kind, 'error', `expected an error, got ${JSON.stringify(value)}`);
  return value.kind === 'error' ? value.message : '';
}

const TEAM_QUERY = 'sum(serin_test_gauge{team="{{ variables.team }}"})';

describe('MetricTemplates read from the cluster and run against Prometheus', () => {
  test('a template in another namespace uses the bearer token of the Secret beside it', async (t) => {
    const s = await setup(t);
    await createSecret(s, 'prom-auth', { token: TOKEN });
    await createTemplate(
      s,
      'team-load',
      { type: 'prometheus', address: proxy.url, secretRef: { name: 'prom-auth' } },
      TEAM_QUERY,
    );
    const value = await s.analyzer.measure(
      canary(s),
      metric(s, 'team-load', { templateVariables: { team: 'payments' } }),
    );
    assert.deepEqual(value, { kind: 'value', value: 42 });
    const seen = proxy.seen.at(-1);
    assert.equal(seen?.query.get('query'), 'sum(serin_test_gauge{team="payments"})');
    assert.equal(seen?.headers.authorization, `Bearer ${TOKEN}`);
  });

  test('with the caches limited to the canary namespace (--namespace), a template and its Secret elsewhere are read from the API server', async (t) => {
    const s = await setup(t);
    await createSecret(s, 'prom-auth', { token: TOKEN });
    await createTemplate(
      s,
      'team-load',
      { type: 'prometheus', address: proxy.url, secretRef: { name: 'prom-auth' } },
      TEAM_QUERY,
    );
    const scoped = await startApiCluster(t, METRICS_KINDS, s.canaryNs);
    assert.equal(scoped.get({ ...METRIC_TEMPLATE_GVK, namespace: s.templateNs, name: 'team-load' }), undefined);
    const analyzer = new CanaryMetricsAnalyzer(
      { cluster: scoped, providers: providerRegistry('appmesh:v1beta2'), watchedNamespace: s.canaryNs },
      { defaultMetricsServer: prometheus.url, timeoutMs: 3000 },
    );
    const value = await analyzer.measure(canary(s), metric(s, 'team-load', { templateVariables: { team: 'search' } }));
    assert.deepEqual(value, { kind: 'value', value: 7 });
    assert.equal(proxy.seen.at(-1)?.headers.authorization, `Bearer ${TOKEN}`);
    const missing = await analyzer.measure(canary(s), metric(s, 'no-such-template'));
    assert.match(errorOf(missing), new RegExp(`^metrictemplate ${s.templateNs}/no-such-template not found: create it`));
  });

  test('basic auth from username/password and the template’s headers reach the server', async (t) => {
    const s = await setup(t);
    await createSecret(s, 'prom-basic', { username: 'prom', password: 'pa55' });
    const provider = {
      type: 'prometheus',
      address: proxy.url,
      secretRef: { name: 'prom-basic' },
      headers: { 'X-Scope-OrgID': ['tenant-a'] },
    };
    await createTemplate(s, 'team-load', provider, TEAM_QUERY);
    const value = await s.analyzer.measure(
      canary(s),
      metric(s, 'team-load', { templateVariables: { team: 'search' } }),
    );
    assert.deepEqual(value, { kind: 'value', value: 7 });
    const seen = proxy.seen.at(-1);
    assert.equal(seen?.headers.authorization, BASIC);
    assert.equal(seen?.headers['x-scope-orgid'], 'tenant-a');
  });

  test('refused credentials are an HTTP error that names the template but never the token', async (t) => {
    const s = await setup(t);
    await createSecret(s, 'prom-auth', { token: 'wrong-token' });
    await createTemplate(
      s,
      'team-load',
      { type: 'prometheus', address: proxy.url, secretRef: { name: 'prom-auth' } },
      TEAM_QUERY,
    );
    const message = errorOf(
      await s.analyzer.measure(canary(s), metric(s, 'team-load', { templateVariables: { team: 'x' } })),
    );
    assert.equal(
      message,
      `metrictemplate ${s.templateNs}/team-load: Prometheus at ${proxy.url} answered 401 Unauthorized: unauthorized: bad credentials`,
    );
    assert.doesNotMatch(message, /wrong-token/);
  });

  test('an unknown variable fails loudly, naming the template', async (t) => {
    const s = await setup(t);
    await createTemplate(
      s,
      'not-found-percentage',
      { type: 'prometheus', address: prometheus.url },
      'up{namespace="{{ namspace }}"}',
    );
    assert.equal(
      errorOf(await s.analyzer.measure(canary(s), metric(s, 'not-found-percentage'))),
      `metrictemplate ${s.templateNs}/not-found-percentage: query action "{{ namspace }}": unknown function or variable "namspace" (Flagger's query templates have name, namespace, target, service, ingress, route, interval, variables and Go's builtins such as printf)`,
    );
  });

  test('a missing template or Secret is an error naming it and the fix', async (t) => {
    const s = await setup(t);
    assert.equal(
      errorOf(await s.analyzer.measure(canary(s), metric(s, 'nowhere'))),
      `metrictemplate ${s.templateNs}/nowhere not found: create it, or point templateRef of metric "team-load" at an existing MetricTemplate`,
    );
    await createTemplate(
      s,
      'team-load',
      { type: 'prometheus', address: proxy.url, secretRef: { name: 'gone' } },
      TEAM_QUERY,
    );
    assert.match(
      errorOf(await s.analyzer.measure(canary(s), metric(s, 'team-load'))),
      /secret .*\/gone not found: create it/,
    );
  });

  test('insecureSkipVerify reaches a Prometheus with a self-signed certificate; without it the certificate is refused', async (t) => {
    const s = await setup(t);
    await createTemplate(s, 'strict', { type: 'prometheus', address: tlsProxy.url }, 'serin_test_gauge{team="search"}');
    await createTemplate(
      s,
      'trusting',
      { type: 'prometheus', address: tlsProxy.url, insecureSkipVerify: true },
      'serin_test_gauge{team="search"}',
    );
    assert.match(
      errorOf(await s.analyzer.measure(canary(s), metric(s, 'strict'))),
      new RegExp(
        `Prometheus at ${tlsProxy.url} presented a TLS certificate that was rejected \\(\\w+\\); set insecureSkipVerify`,
      ),
    );
    assert.deepEqual(await s.analyzer.measure(canary(s), metric(s, 'trusting')), { kind: 'value', value: 7 });
  });

  test('checkProviders: every provider answering is ok; the first one down is reported', async (t) => {
    const s = await setup(t);
    await createSecret(s, 'prom-auth', { token: TOKEN });
    await createTemplate(
      s,
      'team-load',
      { type: 'prometheus', address: proxy.url, secretRef: { name: 'prom-auth' } },
      TEAM_QUERY,
    );
    const closed = `http://127.0.0.1:${await freePort()}`;
    await createTemplate(s, 'down', { type: 'prometheus', address: closed }, 'up');
    const healthy = canary(s, [{ name: 'request-success-rate' }, metric(s, 'team-load')]);
    assert.deepEqual(await s.analyzer.checkProviders(healthy), { ok: true });
    const broken = canary(s, [metric(s, 'team-load'), metric(s, 'down')]);
    assert.deepEqual(await s.analyzer.checkProviders(broken), {
      ok: false,
      message: `prometheus in metrictemplate ${s.templateNs}/down not avaiable: running query failed: Prometheus at ${closed} is unreachable: connection refused`,
    });
  });
});
