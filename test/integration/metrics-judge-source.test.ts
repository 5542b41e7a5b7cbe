/**
 * The statistical judge's counter source against a real Prometheus scraping a tiny exporter whose
 * counters this file sets in three phases: before the window, then twice inside it. Inside the
 * window a primary pod restarts (its counter drops), a status code is seen for the first time on a
 * running pod, and a new canary pod appears. The source must return, per arm, exactly the integer
 * increases the exporter served — no extrapolation, no fraction. The MetricTemplate form is read from
 * MetricTemplates in the real cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { httpRequest } from '../../src/lib/http-client.js';
import type { Canary } from '../../src/api/index.js';
import { judgeWindow, resolveJudgeConfig, startJudge } from '../../src/judge/index.js';
import type { Cluster } from '../../src/kube/cluster.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { CanaryMetricsAnalyzer, METRIC_TEMPLATE_GVK, METRICS_KINDS } from '../../src/metrics/analyzer.js';
import { builtinJudgeSeries, type JudgeSeries } from '../../src/metrics/judge-series.js';
import { PrometheusJudgeSource, type JudgeNeeds } from '../../src/metrics/judge-source.js';
import { PrometheusProvider } from '../../src/metrics/prometheus.js';
import { providerRegistry } from '../../src/routers/providers.js';
import { cached, eventually, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';
import {
  freePort,
  startPrometheus,
  startRecordingServer,
  type RecordingServer,
  type TestPrometheus,
} from '../support/prometheus.js';

const P1 = 'account-primary-5f6d7c8b9a-aaaaa';
const P2 = 'account-primary-5f6d7c8b9a-bbbbb';
const C1 = 'account-7d9f8b6c5d-ccccc';
const C2 = 'account-7d9f8b6c5d-ddddd';

const at = (pod: string, ns = 'shop') => `kubernetes_namespace="${ns}",kubernetes_pod_name="${pod}"`;
const rq = (pod: string, code: string, ns = 'shop') =>
  `envoy_cluster_upstream_rq{${at(pod, ns)},envoy_response_code="${code}"}`;

/** Envoy's upstream time histogram (ms): requests ≤ 10, ≤ 25, ≤ 50, and all of them. */
function histogram(pod: string, [le10, le25, le50, all]: readonly number[]): Record<string, number> {
  const bucket = (le: string) => `envoy_cluster_upstream_rq_time_bucket{${at(pod)},le="${le}"}`;
  return {
    [bucket('10')]: le10 ?? 0,
    [bucket('25')]: le25 ?? 0,
    [bucket('50')]: le50 ?? 0,
    [bucket('+Inf')]: all ?? 0,
    [`envoy_cluster_upstream_rq_time_count{${at(pod)}}`]: all ?? 0,
  };
}

/** What the exporter serves in each phase (series → counter value). */
const PHASES: readonly Record<string, number>[] = [
  {
    [rq(P1, '200')]: 1000,
    [rq(P1, '503')]: 2,
    [rq(P2, '200')]: 500,
    [rq(C1, '200')]: 100,
    [rq(P1, '200', 'other')]: 999, // another namespace: never counted
    ...histogram(P1, [500, 900, 990, 1000]),
    ...histogram(C1, [50, 90, 99, 100]),
  },
  {
    [rq(P1, '200')]: 1600,
    [rq(P1, '503')]: 5,
    [rq(P2, '200')]: 40, // P2 restarted: 40 requests since
    [rq(C1, '200')]: 180,
    [rq(C1, '503')]: 4, // C1's first errors: the series starts here
    [rq(C2, '200')]: 30, // C2 is new
    [rq(C2, '503')]: 1,
    [rq(P1, '200', 'other')]: 1500,
    ...histogram(P1, [700, 1300, 1480, 1500]),
    ...histogram(C1, [60, 120, 150, 160]),
    ...histogram(C2, [5, 10, 20, 20]),
  },
  {
    [rq(P1, '200')]: 2200,
    [rq(P1, '503')]: 6,
    [rq(P2, '200')]: 340,
    [rq(P2, '503')]: 2,
    [rq(C1, '200')]: 260,
    [rq(C1, '503')]: 6,
    [rq(C2, '200')]: 70,
    [rq(C2, '503')]: 1,
    [rq(P1, '200', 'other')]: 2000,
    ...histogram(P1, [900, 1700, 1970, 2000]),
    ...histogram(C1, [70, 150, 200, 220]),
    ...histogram(C2, [10, 25, 45, 50]),
  },
];

/**
 * Served increases over the window. Primary: P1 200 +1200, 503 +4; P2 200 40 + 300 (the reset), 503 +2.
 * Canary: C1 200 +160, 503 +6; C2 200 70, 503 1 (counted from zero: it started inside the window).
 */
const PRIMARY = { requests: 1200 + 4 + 340 + 2, events: 4 + 2 };
const CANARY = { requests: 160 + 6 + 70 + 1, events: 6 + 1 };
const PRIMARY_LATENCY = { le: [10, 25, 50], cumulative: [400, 800, 980], count: 1000 };
const CANARY_LATENCY = { le: [10, 25, 50], cumulative: [20 + 10, 60 + 25, 101 + 45], count: 120 + 50 };
const NEEDS: JudgeNeeds = { errors: true, latency: true };

function exposition(values: Record<string, number>): string {
  const lines = ['# TYPE envoy_cluster_upstream_rq counter'];
  const entries = Object.entries(values);
  for (const [series, value] of entries)
    if (series.startsWith('envoy_cluster_upstream_rq{')) lines.push(`${series} ${value}`);
  lines.push('# TYPE envoy_cluster_upstream_rq_time histogram');
  for (const [series, value] of entries)
    if (series.startsWith('envoy_cluster_upstream_rq_time_')) lines.push(`${series} ${value}`);
  return `${lines.join('\n')}\n`;
}

let phase = 0;
let exporter: RecordingServer;
let prometheus: TestPrometheus;
const context = { request: httpRequest, timeoutMs: 5000 };
let provider: PrometheusProvider;
/** The window: after phase 0 was scraped, until phase 2 was. */
const window = { start: 0, end: 0, canaryWeight: 10 };
let c2Started = 0;

async function scraped(index: number): Promise<void> {
  const marker = rq(P1, '200');
  const expected = String(PHASES[index]?.[marker]);
  await eventually(`phase ${index} scraped`, async () => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(marker)}`);
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    return body.data.result[0]?.value[1] === expected ? true : undefined;
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  exporter = await startRecordingServer(() => ({
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: exposition(PHASES[phase] ?? {}),
  }));
  prometheus = await startPrometheus({ targets: [new URL(exporter.url).host], scrapeInterval: '500ms' });
  provider = new PrometheusProvider({ address: new URL(prometheus.url) }, context);
  await scraped(0);
  window.start = Date.now() / 1000;
  await pause(100); // a scrape that began before the start has been answered by now
  phase = 1;
  c2Started = Date.now() / 1000;
  await scraped(1);
  phase = 2;
  await scraped(2);
  await pause(600); // one more scrape of phase 2 inside the window
  window.end = Date.now() / 1000;
});

after(async () => {
  await prometheus.stop();
  await exporter.close();
});

const builtin = (): JudgeSeries => builtinJudgeSeries(provider, 'appmesh', 'account', 'shop');
const podStartedAt = (pod: string) => (pod === C2 ? c2Started : undefined);

describe('the judge’s counts from a real Prometheus (builtin App Mesh series)', () => {
  test('exact integer increases per arm: a counter reset, a status code first seen, a pod started inside the window', async () => {
    const observed = await new PrometheusJudgeSource(builtin(), { podStartedAt }).observe(window, NEEDS);
    assert.deepEqual(observed.errors, { kind: 'counts', counts: { canary: CANARY, primary: PRIMARY } });
    assert.deepEqual(observed.latency, { kind: 'histograms', canary: CANARY_LATENCY, primary: PRIMARY_LATENCY });
    assert.equal(observed.canaryWeight, 10);
    assert.ok(Math.abs(observed.seconds - (window.end - window.start)) < 1e-9);
  });

  test('without a pod start, a pod first seen inside the window counts from its first sample: never more', async () => {
    const observed = await new PrometheusJudgeSource(builtin()).observe(window, NEEDS);
    // C2 counts from its first scrape: 200 +40, 503 +0; its buckets +5, +15, +25, all +30.
    const canary = { requests: 160 + 6 + 40, events: 6 };
    assert.deepEqual(observed.errors, { kind: 'counts', counts: { canary, primary: PRIMARY } });
    const latency = { le: [10, 25, 50], cumulative: [20 + 5, 60 + 15, 101 + 25], count: 120 + 30 };
    assert.deepEqual(observed.latency, { kind: 'histograms', canary: latency, primary: PRIMARY_LATENCY });
  });

  test('a canary pod first seen inside the window counts from zero when canary pods are known to be new (as the operator reads them)', async () => {
    const observed = await new PrometheusJudgeSource(builtin(), { newPodsFromZero: ['canary'] }).observe(window, NEEDS);
    // The same counts as with C2's start known: its first samples are all the window's.
    assert.deepEqual(observed.errors, { kind: 'counts', counts: { canary: CANARY, primary: PRIMARY } });
    assert.deepEqual(observed.latency, { kind: 'histograms', canary: CANARY_LATENCY, primary: PRIMARY_LATENCY });
  });

  test('the raw series: samples as scraped, a series born on a running pod marked from its first sample', async () => {
    const read = await new PrometheusJudgeSource(builtin()).counters('canary', window, NEEDS);
    assert.ok(read.ok, read.ok ? '' : read.problem.message);
    const errors = read.value.errors.find((s) => s.labels.kubernetes_pod_name === C1);
    assert.equal(errors?.podStartedAt, errors?.samples[0]?.[0], 'C1’s 503 series counts from zero');
    assert.ok((errors?.samples[0]?.[0] ?? 0) > window.start);
    const ok = read.value.requests.find(
      (s) => s.labels.kubernetes_pod_name === C1 && s.labels.envoy_response_code === '200',
    );
    assert.equal(ok?.podStartedAt, undefined, 'a series scraped since the pod’s first scrape has no start');
    assert.deepEqual(new Set(read.value.buckets.map((s) => s.labels.le)), new Set(['10', '25', '50', '+Inf']));
    assert.equal(read.value.count.length, 2, 'one _count series per canary pod');
  });

  test('before the rollout: the primary’s totals and histogram, and per-pod slots for φ; the judge reads them', async () => {
    const source = new PrometheusJudgeSource(builtin(), { podStartedAt });
    const reading = await source.preRollout(window.end, NEEDS, undefined, { minutes: 10, slotSeconds: 30 });
    assert.ok(reading.ok, reading.ok ? '' : reading.problem.message);
    const { pre, notes } = reading.value;
    assert.deepEqual(notes, []);
    assert.deepEqual(pre.errors, PRIMARY);
    assert.deepEqual(pre.latency, PRIMARY_LATENCY);
    assert.equal(pre.pods?.length, 2, 'the two primary pods');
    const [p1, p2] = pre.pods ?? [];
    const sum = (slots: typeof p1, key: 'requests' | 'errors') => (slots ?? []).reduce((s, x) => s + x[key], 0);
    assert.equal(p1?.length, 20);
    assert.deepEqual(
      [sum(p1, 'requests'), sum(p1, 'errors'), sum(p2, 'requests'), sum(p2, 'errors')],
      [1204, 4, 342, 2],
    );
    assert.equal(
      (p1 ?? []).reduce((s, x) => s + (x.latency?.count ?? 0), 0),
      1000,
    );

    const config = resolveJudgeConfig({});
    assert.ok(config.ok);
    const outcome = judgeWindow(config.value, startJudge(config.value, pre), await source.observe(window, NEEDS));
    assert.deepEqual(
      outcome.signals.map((s) => [s.name, s.canary.requests, s.primary.requests]),
      [
        ['error-ratio', CANARY.requests, PRIMARY.requests],
        ['latency-tail', CANARY_LATENCY.count, PRIMARY_LATENCY.count],
        ['latency-body', CANARY_LATENCY.count, PRIMARY_LATENCY.count],
      ],
    );
    assert.ok(
      outcome.signals.every((s) => s.verdict !== 'ERROR'),
      outcome.reason,
    );
    assert.deepEqual(
      outcome.signals.slice(1).map((s) => s.boundary),
      [50, 25],
      'b₉₉ and b₉₀ frozen from the primary',
    );
  });

  test('a Prometheus that cannot be reached gives the judge an ERROR that names it', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const away = new PrometheusProvider({ address: new URL(closed) }, context);
    const observed = await new PrometheusJudgeSource(builtinJudgeSeries(away, 'appmesh', 'account', 'shop')).observe(
      window,
      NEEDS,
    );
    assert.equal(observed.errors?.kind, 'error');
    assert.match(
      observed.errors?.kind === 'error' ? observed.errors.message : '',
      new RegExp(`^Prometheus at ${closed} is unreachable: connection refused`),
    );
    assert.equal(observed.latency?.kind, 'error');
  });
});

describe('the MetricTemplate form, templates read from the cluster', () => {
  const kc = testKubeConfig();
  const canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: { provider: 'appmesh:v1beta2', targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' } },
  } as Canary;
  const SELECT = 'kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ variables.pods }}"';

  async function setup(t: TestContext) {
    const ns = await freshNamespace(t, kc, 'judge-templates');
    const cluster = await startApiCluster(t, METRICS_KINDS);
    const analyzer = new CanaryMetricsAnalyzer(
      { cluster, providers: providerRegistry('appmesh:v1beta2') },
      { defaultMetricsServer: prometheus.url, timeoutMs: 5000 },
    );
    const template = async (name: string, query: string, type = 'prometheus') => {
      const spec = { provider: { type, address: prometheus.url }, query };
      await cluster.create<KubeObject>({ ...METRIC_TEMPLATE_GVK, metadata: { name, namespace: ns }, spec });
      await cached(`template ${name}`, () => cluster.get({ ...METRIC_TEMPLATE_GVK, namespace: ns, name }));
      return { name, namespace: ns };
    };
    return { ns, analyzer, template };
  }

  test('counts the same as the builtin series, per arm rendered with variables.pods', async (t) => {
    const { analyzer, template } = await setup(t);
    const source = {
      kind: 'templates' as const,
      podLabel: 'kubernetes_pod_name',
      requests: await template('judge-requests', `envoy_cluster_upstream_rq{${SELECT}}`),
      errors: await template('judge-errors', `envoy_cluster_upstream_rq{${SELECT}, envoy_response_code=~"5.."}`),
      latency: await template('judge-latency', `envoy_cluster_upstream_rq_time_bucket{${SELECT}}`),
    };
    const series = await analyzer.judgeSeries(canary, source);
    assert.ok(series.ok, series.ok ? '' : series.problem.message);
    const observed = await new PrometheusJudgeSource(series.value, { podStartedAt }).observe(window, NEEDS);
    assert.deepEqual(observed.errors, { kind: 'counts', counts: { canary: CANARY, primary: PRIMARY } });
    assert.deepEqual(observed.latency, { kind: 'histograms', canary: CANARY_LATENCY, primary: PRIMARY_LATENCY });
  });

  test('the analyzer’s builtin series are the provider’s', async (t) => {
    const { analyzer } = await setup(t);
    const series = await analyzer.judgeSeries(canary, { kind: 'builtin' });
    assert.ok(series.ok);
    assert.deepEqual(series.value.errors?.selectors, builtin().errors?.selectors);
    const none = await new CanaryMetricsAnalyzer(
      { cluster: {} as Cluster, providers: providerRegistry('istio') },
      { defaultMetricsServer: prometheus.url },
    ).judgeSeries({ ...canary, spec: { ...canary.spec, provider: 'istio' } }, { kind: 'builtin' });
    assert.deepEqual(none, {
      ok: false,
      problem: {
        message: 'the judge has no builtin series for provider istio',
        fix: 'count with MetricTemplates: set spec.analysis.judge.source.templates',
      },
    });
  });

  test('refuses a template that is no series selector, one of another backend, and one that is missing', async (t) => {
    const { ns, analyzer, template } = await setup(t);
    const summed = await analyzer.judgeSeries(canary, {
      kind: 'templates',
      podLabel: 'kubernetes_pod_name',
      requests: await template('summed', `sum(envoy_cluster_upstream_rq{${SELECT}})`),
    });
    assert.ok(!summed.ok);
    assert.match(
      summed.problem.message,
      new RegExp(`^metrictemplate ${ns}/summed: the judge reads raw counters, .* calls a function \\(sum\\)`),
    );
    const graphite = await analyzer.judgeSeries(canary, {
      kind: 'templates',
      podLabel: 'kubernetes_pod_name',
      requests: await template('graphite', 'a.b.c', 'graphite'),
    });
    assert.ok(!graphite.ok);
    assert.equal(
      graphite.problem.message,
      `metrictemplate ${ns}/graphite: the judge reads raw counters from Prometheus, not from provider type graphite`,
    );
    const missing = await analyzer.judgeSeries(canary, {
      kind: 'templates',
      podLabel: 'kubernetes_pod_name',
      errors: { name: 'nope', namespace: ns },
    });
    assert.ok(!missing.ok);
    assert.equal(
      missing.problem.message,
      `metrictemplate ${ns}/nope not found: create it, or point spec.analysis.judge.source.templates.errors at an existing MetricTemplate`,
    );
  });
});
