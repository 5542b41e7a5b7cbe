/**
 * The statistical judge's counts from Prometheus (research note §4.2): raw counter samples, per arm
 * and per series, differenced by the judge core (`counterIncrease`: resets handled, exact integers)
 * instead of `increase()`, which extrapolates to the window's edges and returns fractions.
 *
 * Each family (requests, errors, latency buckets) of each arm is one `/api/v1/query` of a range
 * selector, `<selector>[<window + lookback>]` at the window's end: a matrix of every raw sample
 * Prometheus stored, the lookback giving each series the baseline sample at or before the window's
 * start. A series first seen after other series of its pod were already scraped (a status code or
 * bucket created by its first request) counts from zero; a series of a pod seen for the first time
 * counts from zero only when the caller says the pod started inside the window (`podStartedAt`),
 * else from its first sample, never more.
 *
 * Outcomes are values: a query that fails gives the judge an ERROR observation naming Prometheus and
 * what it said.
 */
import {
  histogramIncrease,
  sumIncreases,
  type CounterSeries,
  type CounterWindow,
  type HistogramCounts,
  type JudgeConfig,
  type JudgeWindow,
  type PodSlot,
  type PreRollout,
  type SignalObservation,
} from '../judge/index.js';
import type { Result } from '../lib/result.js';
import { ARMS, type Arm, type JudgeSeries, type SeriesFamily } from './judge-series.js';
import { readMatrix } from './judge-matrix.js';

/** Raw counter series of one arm over a window (plus the lookback before it). */
export interface ArmSeries {
  readonly requests: readonly CounterSeries[];
  readonly errors: readonly CounterSeries[];
  /** Histogram `_bucket` series, each with its `le` label. */
  readonly buckets: readonly CounterSeries[];
  /** The histogram's `_count` series, when the latency selector returns them. */
  readonly count: readonly CounterSeries[];
}

/** Which families a release needs: errors for error-ratio, latency for the latency signals. */
export interface JudgeNeeds {
  readonly errors: boolean;
  readonly latency: boolean;
}

/** The families the signals of `config` read. */
export function needsOf(config: JudgeConfig): JudgeNeeds {
  return {
    errors: config.signals.some((s) => s.name === 'error-ratio'),
    latency: config.signals.some((s) => s.name !== 'error-ratio'),
  };
}

/** Settings of {@link PrometheusJudgeSource}. */
export interface JudgeSourceOptions {
  /**
   * Seconds read before each window so that every series has its baseline sample. At least the
   * scrape interval; default 300 (Prometheus' own lookback for instant queries).
   */
  readonly lookbackSeconds?: number;
  /** When a pod started (unix seconds), when the caller knows: its first samples then count from zero. */
  readonly podStartedAt?: (pod: string) => number | undefined;
  /**
   * Arms whose pods, first seen inside a window, count from zero: the caller knows every such pod is
   * new (a canary's pods start with its run, at weight 0), so what its first sample holds was served
   * since it started and no earlier window counted it. Default: none.
   */
  readonly newPodsFromZero?: readonly Arm[];
}

/** One analysis window to observe: (start, end] in unix seconds, at the configured canary weight (%). */
export interface WindowRequest extends CounterWindow {
  readonly canaryWeight: number;
}

/** The primary's data before the rollout, and what could not be read from it. */
export interface PreRolloutReading {
  readonly pre: PreRollout;
  /** Why a part is missing (a histogram that could not be summed, …); empty when complete. */
  readonly notes: readonly string[];
}

/** How the pre-rollout period is read. */
export interface PreRolloutOptions {
  /** Length of the period before `end`, in minutes. Default 60. */
  readonly minutes?: number;
  /** Length of each per-pod slot for over-dispersion, in seconds. Default 60. */
  readonly slotSeconds?: number;
}

const DEFAULT_LOOKBACK_SECONDS = 300;

/** Reads raw counters of one canary's arms from Prometheus for the judge. */
export class PrometheusJudgeSource {
  private readonly lookback: number;

  constructor(
    private readonly series: JudgeSeries,
    private readonly options: JudgeSourceOptions = {},
  ) {
    this.lookback = options.lookbackSeconds ?? DEFAULT_LOOKBACK_SECONDS;
  }

  /** The raw series of one arm over `window` (and the lookback before it). */
  async counters(arm: Arm, window: CounterWindow, needs: JudgeNeeds, signal?: AbortSignal): Promise<Result<ArmSeries>> {
    const from = window.start - this.lookback;
    const wanted = [
      needs.errors ? this.series.requests : undefined,
      needs.errors ? this.series.errors : undefined,
      needs.latency ? this.series.latency : undefined,
    ];
    const read = await Promise.all(wanted.map((f) => (f ? fetchFamily(f, arm, from, window.end, signal) : none())));
    for (const r of read) if (!r.ok) return r;
    const families = read.map((r) => (r.ok ? r.value : []));
    const firstSeen = earliestSamples(families, this.series.podLabel);
    const fromZero = this.options.newPodsFromZero?.includes(arm) ?? false;
    const [requests = [], errors = [], latency = []] = withBirths(
      families,
      this.series.podLabel,
      fromZero ? (pod) => this.options.podStartedAt?.(pod) ?? firstSeen.get(pod) : this.options.podStartedAt,
    );
    const buckets = latency.filter((s) => s.labels.le !== undefined);
    const count = latency.filter(
      (s) => s.labels.le === undefined && (s.labels.__name__ ?? '_count').endsWith('_count'),
    );
    return { ok: true, value: { requests, errors, buckets, count } };
  }

  /** One window's counts for the judge: requests and errors per arm, and the latency histograms. */
  async observe(request: WindowRequest, needs: JudgeNeeds, signal?: AbortSignal): Promise<JudgeWindow> {
    const [canary, primary] = await Promise.all(ARMS.map((arm) => this.counters(arm, request, needs, signal)));
    const base = { seconds: request.end - request.start, canaryWeight: request.canaryWeight };
    if (!canary?.ok || !primary?.ok) {
      const failed = !canary?.ok ? canary : primary;
      const message = failed && !failed.ok ? `${failed.problem.message}: ${failed.problem.fix}` : 'no counts';
      const error = { kind: 'error', message } as const;
      return { ...base, ...(needs.errors ? { errors: error } : {}), ...(needs.latency ? { latency: error } : {}) };
    }
    return {
      ...base,
      ...(needs.errors ? { errors: this.errorCounts(canary.value, primary.value, request) } : {}),
      ...(needs.latency ? { latency: latencyOf(canary.value, primary.value, request) } : {}),
    };
  }

  /**
   * The primary's last `minutes` before `end`: requests and errors, the latency histogram (for the
   * frozen boundaries) and, per primary pod, slots of `slotSeconds` (for over-dispersion φ).
   */
  async preRollout(
    end: number,
    needs: JudgeNeeds,
    signal?: AbortSignal,
    options: PreRolloutOptions = {},
  ): Promise<Result<PreRolloutReading>> {
    const minutes = options.minutes ?? 60;
    const slotSeconds = options.slotSeconds ?? 60;
    const period: CounterWindow = { start: end - minutes * 60, end };
    const read = await this.counters('primary', period, needs, signal);
    if (!read.ok) return read;
    const notes: string[] = [];
    const primary = read.value;
    let latency: HistogramCounts | undefined;
    if (needs.latency) {
      const summed = histogramIncrease(primary.buckets, primary.count, period);
      if (summed.ok) latency = summed.value;
      else notes.push(`primary latency histogram before the rollout: ${summed.problem.message}`);
    }
    const slots = Array.from({ length: Math.floor((minutes * 60) / slotSeconds) }, (_, i) => ({
      start: period.start + i * slotSeconds,
      end: period.start + (i + 1) * slotSeconds,
    }));
    const pre: PreRollout = {
      ...(needs.errors
        ? { errors: { requests: sumIncreases(primary.requests, period), events: sumIncreases(primary.errors, period) } }
        : {}),
      ...(latency ? { latency } : {}),
      pods: podSlots(primary, this.series.podLabel, slots, needs),
    };
    return { ok: true, value: { pre, notes } };
  }

  private errorCounts(canary: ArmSeries, primary: ArmSeries, window: CounterWindow): SignalObservation {
    if (!this.series.requests || !this.series.errors) {
      return { kind: 'error', message: 'no requests or errors series are configured for error-ratio' };
    }
    const arm = (s: ArmSeries) => ({
      requests: sumIncreases(s.requests, window),
      events: sumIncreases(s.errors, window),
    });
    return { kind: 'counts', counts: { canary: arm(canary), primary: arm(primary) } };
  }
}

function latencyOf(canary: ArmSeries, primary: ArmSeries, window: CounterWindow): NonNullable<JudgeWindow['latency']> {
  const c = histogramIncrease(canary.buckets, canary.count, window);
  const p = histogramIncrease(primary.buckets, primary.count, window);
  if (!c.ok) return { kind: 'error', message: `canary latency: ${c.problem.message}: ${c.problem.fix}` };
  if (!p.ok) return { kind: 'error', message: `primary latency: ${p.problem.message}: ${p.problem.fix}` };
  return { kind: 'histograms', canary: c.value, primary: p.value };
}

/** Per primary pod, its counts in each slot (every pod with the same slots). */
function podSlots(
  primary: ArmSeries,
  podLabel: string,
  slots: readonly CounterWindow[],
  needs: JudgeNeeds,
): PodSlot[][] {
  const ofPod = (series: readonly CounterSeries[], pod: string) => series.filter((s) => s.labels[podLabel] === pod);
  const named = [...primary.requests, ...primary.buckets].map((s) => s.labels[podLabel]);
  const pods = [...new Set(named.filter((p): p is string => p !== undefined))].sort();
  return pods.map((pod) => {
    const mine: ArmSeries = {
      requests: ofPod(primary.requests, pod),
      errors: ofPod(primary.errors, pod),
      buckets: ofPod(primary.buckets, pod),
      count: ofPod(primary.count, pod),
    };
    return slots.map((slot): PodSlot => {
      const histogram = needs.latency ? histogramIncrease(mine.buckets, mine.count, slot) : undefined;
      return {
        requests: sumIncreases(mine.requests.length > 0 ? mine.requests : mine.count, slot),
        errors: sumIncreases(mine.errors, slot),
        ...(histogram?.ok ? { latency: histogram.value } : {}),
      };
    });
  });
}

const none = (): Promise<Result<CounterSeries[]>> => Promise.resolve({ ok: true, value: [] });

/** Raw samples of one family of one arm over (from, to]. */
async function fetchFamily(
  family: SeriesFamily,
  arm: Arm,
  from: number,
  to: number,
  signal?: AbortSignal,
): Promise<Result<CounterSeries[]>> {
  const rangeMs = Math.max(1, Math.round((to - from) * 1000));
  const query = `${family.selectors[arm]}[${rangeMs}ms]`;
  const { where, outcome } = await family.prometheus.call('api/v1/query', { query, time: to.toFixed(3) }, signal);
  if (!outcome.ok) {
    return {
      ok: false,
      problem: {
        message: outcome.message,
        fix: `check that Prometheus answers, then the ${arm} series are read again`,
      },
    };
  }
  return readMatrix(where, query, outcome);
}

/**
 * Marks when each series started counting, where it can be known: a series first seen after other
 * series of its pod (its status code, its bucket, created by its first request) from its first
 * sample; otherwise from the caller's pod start, if given.
 */
/** Per pod, the time of its earliest sample in any family. */
function earliestSamples(families: readonly (readonly CounterSeries[])[], podLabel: string): Map<string, number> {
  const earliest = new Map<string, number>();
  for (const s of families.flat()) {
    const pod = s.labels[podLabel];
    const first = s.samples[0]?.[0];
    if (pod !== undefined && first !== undefined) earliest.set(pod, Math.min(earliest.get(pod) ?? first, first));
  }
  return earliest;
}

function withBirths(
  families: readonly (readonly CounterSeries[])[],
  podLabel: string,
  podStartedAt: ((pod: string) => number | undefined) | undefined,
): CounterSeries[][] {
  const earliest = earliestSamples(families, podLabel);
  return families.map((family) =>
    family.map((s) => {
      const pod = s.labels[podLabel];
      const first = s.samples[0]?.[0];
      if (pod === undefined || first === undefined) return s;
      const born = (earliest.get(pod) ?? first) < first ? first : podStartedAt?.(pod);
      return born === undefined ? s : { ...s, podStartedAt: born };
    }),
  );
}
