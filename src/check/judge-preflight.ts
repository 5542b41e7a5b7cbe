/**
 * `serin check`'s pre-flight of the statistical judge (`spec.analysis.judge`): reads the primary's
 * last hours of raw counters through the series the operator would read (`judgeSeries`,
 * `PrometheusJudgeSource`), runs the real judge on two halves of the primary's pods as an A/A pair
 * (judge-aa.ts), and says what the primary's traffic is and how many canary requests — and how long —
 * a release would need to decide at its first step and at its highest judged weight. Reads only.
 */
import { resolveCanaryJudge, type Canary, type CanaryJudgeSettings } from '../api/index.js';
import { analysisIntervalMs, MIN_INTERVAL_MS, maxWeightOf, nextStepWeight } from '../engine/index.js';
import { startJudge, type CounterWindow, type PreRollout } from '../judge/index.js';
import { formatCount, formatSeconds, roundUp2 } from '../judge/planner.js';
import { percentText } from '../judge/report.js';
import { METRIC_TEMPLATE_GVK, SECRET_GVK, type CanaryMetricsAnalyzer } from '../metrics/analyzer.js';
import type { JudgeSeries } from '../metrics/judge-series.js';
import { needsOf, PrometheusJudgeSource, type ArmSeries, type JudgeNeeds } from '../metrics/judge-source.js';
import {
  firstSample,
  podHalves,
  podsOf,
  planStep,
  runAa,
  seriesOf,
  trafficOf,
  windowsOf,
  type StepPlan,
} from './judge-aa.js';
import { aaLines } from './judge-aa-lines.js';
import type { ObjectReader } from './kube-reader.js';
import { fail, pass, warn, type CheckLine } from './report.js';
import type { SnapshotCluster } from './snapshot-cluster.js';

/** Defaults of {@link JudgePreflightOptions} and the limits of the run. */
export const JUDGE_PREFLIGHT_DEFAULTS = {
  /** Hours of the primary's history read (bounded by what Prometheus holds). */
  hours: 3,
  /** At most this many A/A windows: longer windows beyond it. */
  maxWindows: 180,
  /** The operator freezes base rates, boundaries and φ from the primary's last 60 minutes. */
  preMinutes: 60,
  /** "Current" traffic is the last 5 minutes. */
  currentSeconds: 300,
} as const;

/** Ports of {@link judgePreflight}. */
export interface JudgePreflightDeps {
  /** The operator's analyzer: it builds the judge's series (builtin or MetricTemplates). */
  readonly analyzer: Pick<CanaryMetricsAnalyzer, 'judgeSeries'>;
  /** Wall clock, unix ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Settings of {@link judgePreflight}. */
export interface JudgePreflightOptions {
  /** Hours of the primary's history to read. Default 3. */
  readonly hours?: number;
  /** Shortest analysis window, ms, as the operator's `--min-interval`. Default 10 000. */
  readonly minIntervalMs?: number;
}

/** What was read, for the lines. */
interface Reading {
  readonly canary: Canary;
  readonly settings: CanaryJudgeSettings;
  readonly series: JudgeSeries;
  readonly source: PrometheusJudgeSource;
  readonly primary: ArmSeries;
  readonly needs: JudgeNeeds;
  /** From the first sample (or `hours` ago) to now, unix seconds. */
  readonly span: CounterWindow;
  readonly intervalSeconds: number;
}

/** The judge's pre-flight lines for `canary`; none when it has no judge. */
export async function judgePreflight(
  canary: Canary,
  deps: JudgePreflightDeps,
  options: JudgePreflightOptions = {},
  signal?: AbortSignal,
): Promise<CheckLine[]> {
  const resolved = resolveCanaryJudge(canary.spec.analysis);
  if (resolved === null) return [];
  if (!resolved.ok) return [fail(resolved.problem.message, resolved.problem.fix)];
  const settings = resolved.value;
  const series = await deps.analyzer.judgeSeries(canary, settings.source, signal);
  if (!series.ok) return [fail(`the judge's series: ${series.problem.message}`, series.problem.fix)];
  const needs = needsOf(settings.config);
  const hours = options.hours ?? JUDGE_PREFLIGHT_DEFAULTS.hours;
  const end = (deps.now?.() ?? Date.now()) / 1000;
  const source = new PrometheusJudgeSource(series.value);
  const read = await source.counters('primary', { start: end - hours * 3600, end }, needs, signal);
  if (!read.ok) return [fail(`cannot read the primary's counters: ${read.problem.message}`, read.problem.fix)];
  const first = firstSample(read.value);
  if (first === undefined) return [noData(canary, series.value, hours)];
  const reading: Reading = {
    canary,
    settings,
    series: series.value,
    source,
    primary: read.value,
    needs,
    span: { start: Math.max(end - hours * 3600, first), end },
    intervalSeconds: analysisIntervalMs(canary.spec, options.minIntervalMs ?? MIN_INTERVAL_MS) / 1000,
  };
  return linesOf(reading, signal);
}

async function linesOf(reading: Reading, signal?: AbortSignal): Promise<CheckLine[]> {
  const { primary, span, needs, settings } = reading;
  const whole = trafficOf(primary, span);
  const pods = podsOf(primary, reading.series.podLabel);
  if (whole.requests === 0) {
    return [
      warn(
        `the primary served no requests in the ${formatSeconds(span.end - span.start)} Prometheus holds (${pods.length} pods): nothing to judge a release against`,
        'check the primary receives traffic; a release needs it on both arms to decide',
      ),
    ];
  }
  const recent = Math.min(JUDGE_PREFLIGHT_DEFAULTS.currentSeconds, span.end - span.start);
  const current = trafficOf(primary, { start: span.end - recent, end: span.end });
  const rate = current.requests / recent;
  const lines = [trafficLine(reading, current, recent, whole, pods.length)];
  lines.push(...(await aaCheck(reading, pods, signal)));
  const minutes = Math.min(JUDGE_PREFLIGHT_DEFAULTS.preMinutes, (span.end - span.start) / 60);
  const pre = await reading.source.preRollout(span.end, needs, signal, { minutes });
  if (!pre.ok) return [...lines, fail(`cannot read the primary's history: ${pre.problem.message}`, pre.problem.fix)];
  const state = startJudge(settings.config, pre.value.pre);
  const plans = judgedWeights(reading.canary).map((w) => planStep(settings.config, state, w, rate));
  return [...lines, ...plans.map((plan, i) => planLine(reading, plan, i === 0 ? 'the first step' : 'the last step'))];
}

/** The A/A run in both directions, or why it cannot run. */
async function aaCheck(reading: Reading, pods: readonly string[], signal?: AbortSignal): Promise<CheckLine[]> {
  const { span, intervalSeconds, needs, primary, settings } = reading;
  if (pods.length < 2) {
    const which = pods.length === 1 ? `1 pod (${pods[0] ?? ''})` : `no pod named by ${reading.series.podLabel}`;
    return [
      warn(
        `A/A skipped: the primary has ${which} in the last ${formatSeconds(span.end - span.start)}; splitting it in two needs 2 or more — the planner's estimate only`,
        pods.length === 1
          ? 'nothing to do; with 2 or more primary pods, serin check also runs the judge on two halves of the primary'
          : `make the series carry the pod name in the label ${reading.series.podLabel} (source.templates.podLabel)`,
      ),
    ];
  }
  // The first third (at most an hour) stands for the pre-rollout period; the rest is judged.
  const preSeconds = Math.min(JUDGE_PREFLIGHT_DEFAULTS.preMinutes * 60, (span.end - span.start) / 3);
  const judged = { start: span.start + preSeconds, end: span.end };
  const windows = windowsOf(judged, intervalSeconds, JUDGE_PREFLIGHT_DEFAULTS.maxWindows);
  if (windows.length < 2) {
    return [
      warn(
        `A/A skipped: Prometheus holds ${formatSeconds(span.end - span.start)} of the primary's counters, too little for two ${formatSeconds(intervalSeconds)} windows after the pre-rollout part`,
        `run serin check again once Prometheus holds ${formatSeconds(intervalSeconds * 3 * 2)} or more`,
      ),
    ];
  }
  const slotSeconds = Math.min(60, intervalSeconds);
  const pre = await reading.source.preRollout(judged.start, needs, signal, { minutes: preSeconds / 60, slotSeconds });
  if (!pre.ok) return [fail(`cannot read the primary's history: ${pre.problem.message}`, pre.problem.fix)];
  const halves = podHalves(pods);
  const label = reading.series.podLabel;
  const run = (canary: readonly string[], base: readonly string[], preRollout: PreRollout) =>
    runAa(
      settings.config,
      preRollout,
      { canary: seriesOf(primary, label, canary), primary: seriesOf(primary, label, base) },
      { canary, primary: base },
      windows,
      needs,
    );
  const runs = [run(halves.a, halves.b, pre.value.pre), run(halves.b, halves.a, pre.value.pre)];
  return aaLines({ config: settings.config, runs, windows, primary, podLabel: label, judged });
}

function trafficLine(
  reading: Reading,
  current: { requests: number; events: number },
  recent: number,
  whole: { requests: number; events: number },
  pods: number,
): CheckLine {
  const { span, needs } = reading;
  const errors = (c: { requests: number; events: number }) =>
    needs.errors && c.requests > 0 ? `, ${percentText(c.events / c.requests)} errors` : '';
  const seconds = span.end - span.start;
  const before =
    seconds > recent
      ? `; over the ${formatSeconds(seconds)} read: ${rateText(whole.requests / seconds)}${errors(whole)}`
      : '';
  return pass(
    `primary traffic now (last ${formatSeconds(recent)}): ${rateText(current.requests / recent)}${errors(current)}` +
      `${before}, ${pods} pod${pods === 1 ? '' : 's'}`,
    { requestsPerSecond: current.requests / recent, ...(needs.errors ? { errors: current.events } : {}) },
  );
}

/** "20 req/s", "0.50 req/s". */
export function rateText(perSecond: number): string {
  return `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toPrecision(2)} req/s`;
}

/** The first judged weight and the highest one below 100% (at 100% there is no primary to compare with). */
export function judgedWeights(canary: Canary): number[] {
  const max = maxWeightOf(canary.spec);
  const weights: number[] = [];
  for (let w = 0; w < max && weights.length < 100;) {
    const step = nextStepWeight(canary.spec, w);
    if (step <= 0) break;
    w = Math.min(max, w + step);
    if (w < 100) weights.push(w);
  }
  const [first] = weights;
  const last = weights.at(-1);
  if (first === undefined || last === undefined) return [];
  return first === last ? [first] : [first, last];
}

function planLine(reading: Reading, plan: StepPlan, which: string): CheckLine {
  const { settings } = reading;
  const data = {
    weight: plan.weight,
    canaryRequests: plan.requests,
    ...(plan.seconds ? { seconds: plan.seconds } : {}),
  };
  const unplanned = plan.signals.find((s) => !Number.isFinite(s.requests));
  if (unplanned) {
    return warn(
      `at ${which} (${plan.weight}%) ${unplanned.name} cannot be planned: the primary saw no events and its zero-event rule is off`,
      `set compare[].zeroEventRate for ${unplanned.name} (default 0.001) so that a release with no events can pass`,
      data,
    );
  }
  const each = plan.signals
    .map(
      (s) =>
        `${s.name} ${formatCount(roundUp2(s.requests))}${s.rule === 'zero-events' ? ' by the zero-event rule' : ''}`,
    )
    .join(', ');
  const needs = `≈ ${formatCount(roundUp2(plan.requests))} canary requests to decide (${each})`;
  if (plan.seconds === null) {
    return warn(
      `at ${which} (${plan.weight}%) a release needs ${needs}, and the primary has no traffic now`,
      'a step without traffic waits until maxStepDuration: run the release when the service has traffic',
      data,
    );
  }
  const time = `≈ ${formatSeconds(plan.seconds)} at the current traffic`;
  const limit = settings.maxStepDurationMs / 1000;
  if (plan.seconds <= limit) return pass(`at ${which} (${plan.weight}%) a release needs ${needs}: ${time}`, data);
  const [largest] = [...plan.signals].sort((x, y) => y.requests - x.requests);
  const passBelow = settings.config.signals.find((s) => s.name === largest?.name)?.passBelow;
  return warn(
    `at ${which} (${plan.weight}%) a release needs ${needs}: ${time}, longer than maxStepDuration ${formatSeconds(limit)} (onInconclusive: ${settings.onInconclusive})`,
    `raise passBelow of ${largest?.name ?? 'the slowest signal'} (now ${passBelow ?? '?'}: the smaller the regression a release must rule out, the more requests it needs), use higher step weights, or raise maxStepDuration`,
    data,
  );
}

function noData(canary: Canary, series: JudgeSeries, hours: number): CheckLine {
  const selector = (series.requests ?? series.latency)?.selectors.primary ?? '(no series configured)';
  const target = canary.spec.targetRef.name;
  return warn(
    `no counters of the primary in the last ${hours} h: Prometheus returned no series for ${selector}`,
    `expected before the Canary first initializes (that creates ${target}-primary); otherwise make Prometheus scrape the primary's pods under these names and labels, or set spec.analysis.judge.source.templates`,
  );
}

/**
 * Puts the MetricTemplates (and their Secrets) named by `spec.analysis.judge.source.templates` in
 * the snapshot the analyzer reads, as the cluster checks do for the metrics' templates.
 */
export async function readJudgeTemplates(
  canary: Canary,
  deps: { readonly reader: ObjectReader; readonly snapshot: SnapshotCluster },
  unreachable?: string,
): Promise<void> {
  const templates = canary.spec.analysis?.judge?.source?.templates;
  const namespace = canary.metadata?.namespace ?? 'default';
  const refs = [templates?.requests, templates?.errors, templates?.latency].filter((r) => r !== undefined);
  for (const ref of refs) {
    const at = { ...METRIC_TEMPLATE_GVK, namespace: ref.namespace || namespace, name: ref.name };
    if (unreachable !== undefined) {
      deps.snapshot.remember(at, { kind: 'unknown', message: unreachable, reason: unreachable, fix: '' });
      continue;
    }
    const found = await deps.reader.get<{ spec?: { provider?: { secretRef?: { name?: string } } } }>(at);
    deps.snapshot.remember(at, found as Parameters<SnapshotCluster['remember']>[1]);
    const secret = found.kind === 'found' ? found.object.spec?.provider?.secretRef?.name : undefined;
    if (secret) {
      const ref = { ...SECRET_GVK, namespace: at.namespace, name: secret };
      deps.snapshot.remember(ref, await deps.reader.get(ref));
    }
  }
}
