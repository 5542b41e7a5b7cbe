import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import { resolveJudgeConfig, startJudge, type CounterSeries, type JudgeConfig } from '../judge/index.js';
import { seededRng } from '../judge/testing/random.test-support.js';
import type { Cluster } from '../kube/cluster.js';
import { CanaryMetricsAnalyzer } from '../metrics/analyzer.js';
import type { ArmSeries } from '../metrics/judge-source.js';
import { providerRegistry } from '../routers/providers.js';
import { planStep, podHalves, podsOf, runAa, seriesOf, windowsOf } from './judge-aa.js';
import { aaLines } from './judge-aa-lines.js';
import { judgedWeights, judgePreflight } from './judge-preflight.js';

const LABEL = 'kubernetes_pod_name';
const T0 = 1_800_000_000;
const ERRORS_ONLY = { errors: true, latency: false } as const;

function configOf(spec: Parameters<typeof resolveJudgeConfig>[0]): JudgeConfig {
  const config = resolveJudgeConfig(spec);
  assert.ok(config.ok, config.ok ? '' : config.problem.message);
  return config.value;
}

/**
 * The primary's counters as Prometheus would return them: per pod a 200 and a 503 series scraped
 * every 10 s for `minutes`, `perScrape` requests a scrape with errors drawn at the pod's rate.
 */
function primarySeries(errorRates: Readonly<Record<string, number>>, minutes: number, perScrape = 1000): ArmSeries {
  const rng = seededRng(7);
  const requests: CounterSeries[] = [];
  const errors: CounterSeries[] = [];
  for (const [pod, rate] of Object.entries(errorRates)) {
    const ok: [number, number][] = [];
    const bad: [number, number][] = [];
    let [okTotal, badTotal] = [0, 0];
    for (let i = 0; i <= minutes * 6; i++) {
      const failed = i === 0 ? 0 : rng.binomial(perScrape, rate);
      okTotal += i === 0 ? 0 : perScrape - failed;
      badTotal += failed;
      ok.push([T0 + i * 10, okTotal]);
      bad.push([T0 + i * 10, badTotal]);
    }
    requests.push({ labels: { [LABEL]: pod, code: '200' }, samples: ok });
    requests.push({ labels: { [LABEL]: pod, code: '503' }, samples: bad });
    errors.push({ labels: { [LABEL]: pod, code: '503' }, samples: bad });
  }
  return { requests, errors, buckets: [], count: [] };
}

/** Both directions of the A/A run over the last two thirds, as the pre-flight runs them. */
function aa(config: JudgeConfig, primary: ArmSeries, minutes: number) {
  const pods = podsOf(primary, LABEL);
  const halves = podHalves(pods);
  const preEnd = T0 + (minutes * 60) / 3;
  const pre = {
    errors: {
      requests: primary.requests.reduce((s, x) => s + (x.samples.find(([t]) => t === preEnd)?.[1] ?? 0), 0),
      events: primary.errors.reduce((s, x) => s + (x.samples.find(([t]) => t === preEnd)?.[1] ?? 0), 0),
    },
  };
  const judged = { start: preEnd, end: T0 + minutes * 60 };
  const windows = windowsOf(judged, 60, 180);
  const run = (canary: readonly string[], base: readonly string[]) =>
    runAa(
      config,
      pre,
      { canary: seriesOf(primary, LABEL, canary), primary: seriesOf(primary, LABEL, base) },
      { canary, primary: base },
      windows,
      ERRORS_ONLY,
    );
  const runs = [run(halves.a, halves.b), run(halves.b, halves.a)];
  return { runs, lines: aaLines({ config, runs, windows, primary, podLabel: LABEL, judged }) };
}

const canary = (analysis: Record<string, unknown>, provider = 'appmesh:v1beta2'): Canary =>
  ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      provider,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' },
      analysis: { interval: '1m', ...analysis },
    },
  }) as Canary;

describe('the judge’s pre-flight: A/A on two halves of the primary', () => {
  test('splits the pods in alternate halves by sorted name', () => {
    assert.deepEqual(podHalves(['p-d', 'p-a', 'p-c', 'p-b', 'p-e']), { a: ['p-a', 'p-c', 'p-e'], b: ['p-b', 'p-d'] });
    assert.deepEqual(podsOf(primarySeries({ 'p-b': 0.01, 'p-a': 0.01 }, 1), LABEL), ['p-a', 'p-b']);
  });

  test('reads back-to-back analysis windows, longer ones when more than the limit would fit', () => {
    assert.deepEqual(windowsOf({ start: 0, end: 130 }, 60, 180), [
      { start: 0, end: 60 },
      { start: 60, end: 120 },
    ]);
    const many = windowsOf({ start: 0, end: 3 * 3600 }, 10, 180);
    assert.equal(many.length, 180);
    assert.equal(many[0]?.end, 60, '3 h of 10 s windows are judged as 180 windows of 60 s');
  });

  test('four alike pods at 1% errors stay free of FAIL, in both directions, for two hours', () => {
    const primary = primarySeries({ 'p-a': 0.01, 'p-b': 0.01, 'p-c': 0.01, 'p-d': 0.01 }, 180);
    const { runs, lines } = aa(configOf({ compare: [{ name: 'error-ratio' }] }), primary, 180);
    assert.deepEqual(
      runs.map((r) => r.firstFail),
      [null, null],
    );
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.status, 'pass');
    assert.match(
      lines[0]?.message ?? '',
      /^A\/A on the primary: its 4 pods in two alternate halves by name, each judged as the canary against the other over 2\.0 h \(120 windows of 60 s\): no FAIL — error-ratio (PASS|CONTINUE) \(φ /,
    );
  });

  test('one pod at 5% errors among pods at 1% fails the A/A, naming the pods, each pod’s error rate and the fix', () => {
    const primary = primarySeries({ 'p-a': 0.01, 'p-b': 0.05, 'p-c': 0.01, 'p-d': 0.01 }, 30);
    const { runs, lines } = aa(configOf({ compare: [{ name: 'error-ratio' }] }), primary, 30);
    // p-b is in half b: b judged as the canary against a fails; a against b never does.
    assert.equal(runs[0]?.firstFail, null);
    assert.equal(runs[1]?.firstFail?.window, 0, 'caught in the first window');
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.status, 'fail');
    assert.match(
      line?.message ?? '',
      /^A\/A on the primary: error-ratio FAILED between two halves of the same primary — p-b, p-d judged as the canary against p-a, p-c — in window 1 of 20 /,
    );
    assert.match(
      line?.message ?? '',
      /\(60 s each\), ending 2027-01-15T08:11:00Z: error-ratio: error ratio canary\/primary \d\.\d\d is above 1\.10: .* requests\. error-ratio per pod: p-a 1(\.\d+)?% errors of 120,000, p-b 5(\.\d+)?% errors of 120,000, p-c/,
    );
    assert.match(line?.fix ?? '', /Check the pods .* or raise failAbove of error-ratio \(now 1\.10, e\.g\. 1\.35\)/);
  });
  test('a primary without a latency histogram: each latency signal fails the check, since a release would count a failed check every window', () => {
    const primary = primarySeries({ 'p-a': 0.01, 'p-b': 0.01 }, 30);
    const { lines } = aa(configOf({}), primary, 30);
    assert.deepEqual(
      lines.map((l) => [l.status, l.message]),
      ['latency-tail', 'latency-body'].map((name) => [
        'fail',
        `A/A on the primary: ${name} could not be judged: cannot place a latency boundary for ${name}: no primary ` +
          'latency histogram before the rollout: give the judge the primary histogram of the pre-rollout period',
      ]),
    );
    assert.match(lines[0]?.fix ?? '', /or remove latency-tail from spec\.analysis\.judge\.compare$/);
  });
});

describe('the judge’s pre-flight: what a release needs', () => {
  test('the planner’s figures for the first and the last judged step (docs/judge.md’s table)', () => {
    const config = configOf({});
    const histogram = { le: [0.1, 0.25, 0.5], cumulative: [500_000, 900_000, 990_000], count: 1_000_000 };
    const state = startJudge(config, { errors: { requests: 1_000_000, events: 1000 }, latency: histogram });
    const plan = planStep(config, state, 10, 100);
    assert.deepEqual(
      plan.signals.map((s) => [s.name, s.requests, s.rule]),
      [
        ['error-ratio', 60_885, 'plan'],
        ['latency-tail', 28_791, 'plan'],
        ['latency-body', 2880, 'plan'],
      ],
    );
    assert.equal(plan.requests, 60_885, 'the step waits for its slowest signal');
    assert.equal(plan.seconds, 6088.5, '60,885 canary requests at 10% of 100 req/s: about 100 minutes');
    assert.equal(planStep(config, state, 50, 100).signals[0]?.requests, 149_443);
  });

  test('a primary without errors is planned by the zero-event rule; without the rule it cannot be', () => {
    const state = (config: JudgeConfig) => startJudge(config, { errors: { requests: 100_000, events: 0 } });
    const zero = configOf({ compare: [{ name: 'error-ratio' }] });
    assert.deepEqual(planStep(zero, state(zero), 10, 50).signals, [
      { name: 'error-ratio', requests: 2996, rule: 'zero-events' },
    ]);
    const off = configOf({ compare: [{ name: 'error-ratio', zeroEventRate: 0 }] });
    const plan = planStep(off, state(off), 10, 50);
    assert.equal(plan.requests, Infinity);
    assert.equal(plan.seconds, null);
  });

  test('judges the first step and the highest one below 100% (at 100% there is no primary to compare with)', () => {
    assert.deepEqual(judgedWeights(canary({ stepWeights: [5, 10, 25, 50] })), [5, 50]);
    assert.deepEqual(judgedWeights(canary({ stepWeight: 10 })), [10, 90]);
    assert.deepEqual(judgedWeights(canary({ stepWeight: 20, maxWeight: 50 })), [20, 50]);
    assert.deepEqual(judgedWeights(canary({ stepWeights: [50, 100] })), [50]);
  });
});

describe('the judge’s pre-flight, before reading', () => {
  test('a Canary without a judge has nothing to check', async () => {
    const analyzer = new CanaryMetricsAnalyzer(
      { cluster: {} as Cluster, providers: providerRegistry('appmesh:v1beta2') },
      { defaultMetricsServer: 'http://127.0.0.1:1' },
    );
    assert.deepEqual(await judgePreflight(canary({ stepWeight: 10 }), { analyzer }), []);
  });

  test('a provider without builtin series fails with the fix: count with MetricTemplates', async () => {
    const analyzer = new CanaryMetricsAnalyzer(
      { cluster: {} as Cluster, providers: providerRegistry('istio') },
      { defaultMetricsServer: 'http://127.0.0.1:1' },
    );
    const lines = await judgePreflight(canary({ stepWeight: 10, judge: {} }, 'istio'), { analyzer });
    assert.deepEqual(lines, [
      {
        status: 'fail',
        message: "the judge's series: the judge has no builtin series for provider istio",
        fix: 'count with MetricTemplates: set spec.analysis.judge.source.templates',
      },
    ]);
  });
});
