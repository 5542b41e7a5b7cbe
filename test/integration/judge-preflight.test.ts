/**
 * The judge's pre-flight in `serin check` against a real Prometheus scraping an exporter of primary
 * pods (the Gateway API builtin series, `http_request_duration_seconds`), whose counters
 * grow with seeded random traffic: four alike `account` pods, four `billing` pods of which one
 * returns 20% errors, one `solo` pod, and no `ghost` pod at all. Prometheus holds about a minute of
 * them, so the default 3 hours are bounded by what it has; the Canaries' 10 s intervals give the A/A
 * run a few windows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import type { Canary } from '../../src/api/index.js';
import { parseCheckInputs } from '../../src/check/inputs.js';
import { judgePreflight } from '../../src/check/judge-preflight.js';
import { KubeReader } from '../../src/check/kube-reader.js';
import { renderText } from '../../src/check/render.js';
import type { CheckLine } from '../../src/check/report.js';
import { runCheck } from '../../src/check/run-check.js';
import { probeTcp } from '../../src/check/tcp-probe.js';
import { seededRng } from '../../src/judge/testing/random.test-support.js';
import type { Cluster } from '../../src/kube/cluster.js';
import { CanaryMetricsAnalyzer } from '../../src/metrics/analyzer.js';
import { providerRegistry } from '../../src/routers/providers.js';
import { eventually, testKubeConfig } from '../support/cluster.js';
import {
  freePort,
  startPrometheus,
  startRecordingServer,
  type RecordingServer,
  type TestPrometheus,
} from '../support/prometheus.js';

/** Bucket bounds (s) and the share of requests in each: 10% slower than 0.1 s, 1% than 0.25 s. */
const LE = ['0.05', '0.1', '0.25', '0.5', '+Inf'];
const SHARES = [0.5, 0.4, 0.09, 0.009, 0.001];
/** Requests per pod per 250 ms tick: 100 req/s a pod. */
const PER_TICK = 25;

interface Pod {
  readonly name: string;
  readonly errorRate: number;
  /** status → bucket counts (cumulative per le, as exposed). */
  readonly buckets: Map<string, number[]>;
}

const pods: Pod[] = [
  ...['aaaaa', 'bbbbb', 'ccccc', 'ddddd'].map((id) => pod(`account-primary-5f6d7c8b9a-${id}`, 0.01)),
  ...['aaaaa', 'bbbbb', 'ccccc', 'ddddd'].map((id) =>
    pod(`billing-primary-6c7d8e9f0a-${id}`, id === 'ccccc' ? 0.2 : 0.01),
  ),
  pod('solo-primary-7a8b9c0d1e-aaaaa', 0.01),
];

function pod(name: string, errorRate: number): Pod {
  return { name, errorRate, buckets: new Map() };
}

const rng = seededRng(15);

/** One tick of traffic: each pod's requests split by status, then by latency bucket. */
function tick(): void {
  for (const p of pods) {
    const failed = rng.binomial(PER_TICK, p.errorRate);
    for (const [status, n] of [
      ['200', PER_TICK - failed],
      ['503', failed],
    ] as const) {
      if (n === 0 && !p.buckets.has(status)) continue; // a status code's series starts with its first request
      const counts = p.buckets.get(status) ?? LE.map(() => 0);
      let left = n;
      let shareLeft = 1;
      let below = 0;
      SHARES.forEach((share, i) => {
        const here = i === SHARES.length - 1 ? left : rng.binomial(left, Math.min(1, share / shareLeft));
        left -= here;
        shareLeft -= share;
        below += here;
        counts[i] = (counts[i] ?? 0) + below;
      });
      p.buckets.set(status, counts);
    }
  }
}

function exposition(): string {
  const lines = ['# TYPE http_request_duration_seconds histogram'];
  for (const p of pods) {
    for (const [status, counts] of p.buckets) {
      const at = `kubernetes_namespace="shop",kubernetes_pod_name="${p.name}",status="${status}"`;
      LE.forEach((le, i) => lines.push(`http_request_duration_seconds_bucket{${at},le="${le}"} ${counts[i] ?? 0}`));
      lines.push(`http_request_duration_seconds_count{${at}} ${counts.at(-1) ?? 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

let exporter: RecordingServer;
let prometheus: TestPrometheus;
let timer: NodeJS.Timeout;

/** How long Prometheus gathers before the checks read it: the A/A run gets 4 windows of 10 s. */
const GATHER_MS = 65_000;

before(async () => {
  tick();
  timer = setInterval(tick, 250);
  exporter = await startRecordingServer(() => ({
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: exposition(),
  }));
  prometheus = await startPrometheus({ targets: [new URL(exporter.url).host] });
  await eventually('first scrape', async () => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=http_request_duration_seconds_count`);
    return (await res.text()).includes('solo-primary') ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, GATHER_MS));
});

after(async () => {
  clearInterval(timer);
  await prometheus.stop();
  await exporter.close();
});

function canary(name: string, judge: Record<string, unknown> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: 'shop' },
    spec: {
      provider: 'gatewayapi:v1',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 80, gatewayRefs: [{ name: 'public', namespace: 'gateways' }] },
      analysis: { interval: '10s', threshold: 1, stepWeights: [10, 50], judge },
    },
  } as Canary;
}

function preflight(target: Canary, address = prometheus.url): Promise<CheckLine[]> {
  const analyzer = new CanaryMetricsAnalyzer(
    { cluster: {} as Cluster, providers: providerRegistry('gatewayapi:v1') },
    { defaultMetricsServer: address },
  );
  return judgePreflight(target, { analyzer });
}

const lineOf = (lines: readonly CheckLine[], start: RegExp) => lines.find((l) => start.test(l.message));

describe('serin check’s judge pre-flight against a real Prometheus', () => {
  test('four alike primary pods: the A/A run stays free of FAIL; the traffic now and what a release needs', async () => {
    const lines = await preflight(canary('account'));
    assert.deepEqual(
      lines.map((l) => l.status),
      ['pass', 'pass', 'pass', 'pass'],
      lines.map((l) => `${l.status} ${l.message}`).join('\n'),
    );
    const traffic = lineOf(lines, /^primary traffic now/);
    assert.match(traffic?.message ?? '', /^primary traffic now \(last \d+ s\): \d+ req\/s, [\d.]+% errors, 4 pods$/);
    const rate = Number(traffic?.data?.requestsPerSecond);
    assert.ok(rate > 330 && rate < 410, `4 pods at 100 req/s, read ${rate}`);
    assert.match(
      lineOf(lines, /^A\/A/)?.message ?? '',
      /^A\/A on the primary: its 4 pods in two alternate halves by name, each judged as the canary against the other over \d+ s \([3-5] windows of 10 s\): no FAIL — error-ratio \w+ \(φ [\d.]+\), latency-tail \w+ \(φ [\d.]+\), latency-body \w+/,
    );
    const first = lineOf(lines, /^at the first step/);
    assert.match(
      first?.message ?? '',
      /^at the first step \(10%\) a release needs ≈ [\d,]+ canary requests to decide \(error-ratio [\d,]+, latency-tail [\d,]+, latency-body [\d,]+\): ≈ \d+ (s|min) at the current traffic$/,
    );
    // latency-tail at 1% above b₉₉ with passBelow 1.5 plans 28,791 at a 10% weight (docs/judge.md); the rate is measured.
    const requests = Number(first?.data?.canaryRequests);
    assert.ok(requests > 22_000 && requests < 40_000, `planned ${requests}`);
    assert.match(lineOf(lines, /^at the last step/)?.message ?? '', /^at the last step \(50%\) a release needs/);
  });

  test('one pod with 20% errors among four: the A/A run fails, names the halves and each pod’s error rate', async () => {
    const lines = await preflight(canary('billing', { maxStepDuration: '1m' }));
    const aa = lineOf(lines, /^A\/A/);
    assert.equal(aa?.status, 'fail', aa?.message);
    assert.match(
      aa?.message ?? '',
      /^A\/A on the primary: error-ratio FAILED between two halves of the same primary — billing-primary-6c7d8e9f0a-aaaaa, billing-primary-6c7d8e9f0a-ccccc judged as the canary against billing-primary-6c7d8e9f0a-bbbbb, billing-primary-6c7d8e9f0a-ddddd — in window \d of \d \(10 s each\)/,
    );
    assert.match(aa?.message ?? '', /billing-primary-6c7d8e9f0a-ccccc (1\d|2\d)(\.\d+)?% errors of [\d,]+/);
    assert.match(aa?.fix ?? '', /Check the pods .*or raise failAbove of error-ratio \(now 1\.10, e\.g\. 1\.35\)/);
    // A minute per step is far too short for this traffic: said with the fix.
    const first = lineOf(lines, /^at the first step/);
    assert.equal(first?.status, 'warn');
    assert.match(first?.message ?? '', /longer than maxStepDuration 60 s \(onInconclusive: fail\)$/);
    assert.match(first?.fix ?? '', /^raise passBelow of latency-tail \(now 1\.5: /);
  });

  test('a single primary pod: no A/A, the planner’s estimate only; no primary at all: what is missing', async () => {
    const solo = await preflight(canary('solo'));
    // One pod's 100 req/s give a 10% canary 10 req/s: the first step outlasts maxStepDuration (30m).
    assert.deepEqual(
      solo.map((l) => l.status),
      ['pass', 'warn', 'warn', 'pass'],
    );
    assert.match(
      solo[2]?.message ?? '',
      /^at the first step \(10%\) .*longer than maxStepDuration 30 min \(onInconclusive: fail\)$/,
    );
    assert.match(
      solo[1]?.message ?? '',
      /^A\/A skipped: the primary has 1 pod \(solo-primary-7a8b9c0d1e-aaaaa\) in the last \d+ s; splitting it in two needs 2 or more/,
    );
    const ghost = await preflight(canary('ghost'));
    assert.equal(ghost.length, 1);
    assert.equal(ghost[0]?.status, 'warn');
    assert.equal(
      ghost[0]?.message,
      'no counters of the primary in the last 3 h: Prometheus returned no series for ' +
        'http_request_duration_seconds_count{kubernetes_namespace="shop",kubernetes_pod_name=~"ghost-primary-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}',
    );
    assert.match(ghost[0]?.fix ?? '', /^expected before the Canary first initializes \(that creates ghost-primary\)/);
  });

  test('a Prometheus that does not answer fails, naming it', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const lines = await preflight(canary('account'), closed);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.status, 'fail');
    assert.match(
      lines[0]?.message ?? '',
      new RegExp(`^cannot read the primary's counters: Prometheus at ${closed} is unreachable`),
    );
  });

  test('counting with MetricTemplates given in the files: the same pre-flight, templates rendered per arm', async () => {
    const select = 'kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ variables.pods }}"';
    const template = (name: string, query: string) => ({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name, namespace: 'shop' },
      spec: { provider: { type: 'prometheus', address: prometheus.url }, query },
    });
    const judge = {
      source: {
        templates: { requests: { name: 'requests' }, errors: { name: 'errors' }, latency: { name: 'latency' } },
      },
    };
    const files = [
      canary('account', judge),
      template('requests', `http_request_duration_seconds_count{${select}}`),
      template('errors', `http_request_duration_seconds_count{${select}, status=~"5.."}`),
      template('latency', `http_request_duration_seconds_bucket{${select}}`),
    ];
    const text = files.map((f) => stringify(f)).join('---\n');
    const inputs = parseCheckInputs([['account.yaml', text]], { fallback: 'shop' });
    const report = await runCheck(
      inputs,
      { reader: new KubeReader(testKubeConfig(), inputs.objects), probe: probeTcp },
      { files: ['account.yaml'], meshProvider: 'gatewayapi:v1' },
    );
    const lines = report.canaries[0]?.sections.find((s) => s.id === 'judge')?.checks ?? [];
    assert.deepEqual(
      lines.map((l) => l.status),
      ['pass', 'pass', 'pass', 'pass'],
      lines.map((l) => `${l.status} ${l.message}`).join('\n'),
    );
    assert.match(lineOf(lines, /^A\/A/)?.message ?? '', /^A\/A on the primary: its 4 pods .*: no FAIL/);
  });

  test('serin check shows it in a Judge section of the Canary’s report', async () => {
    const inputs = parseCheckInputs([['billing.yaml', stringify(canary('billing'))]], { fallback: 'shop' });
    const kc = testKubeConfig();
    const report = await runCheck(
      inputs,
      { reader: new KubeReader(kc, inputs.objects), probe: probeTcp },
      { files: ['billing.yaml'], meshProvider: 'gatewayapi:v1', metricsServer: prometheus.url },
    );
    const section = report.canaries[0]?.sections.find((s) => s.id === 'judge');
    assert.equal(section?.title, 'Judge');
    assert.match(
      renderText(report),
      /\n {2}Judge · the primary's last 3 h, read as the operator reads it\n {4}✔ primary traffic now[^\n]*\n {4}✖ A\/A on the primary: error-ratio FAILED[^\n]*\n {6}→ a release would be rolled back/,
    );
  });
});
