/**
 * Raw Prometheus counters → exact integer counts per analysis window (research note §4.2).
 *
 * The judge differences raw samples itself instead of using `increase()`, which extrapolates to the
 * range's edges and returns fractions. Per series: a decrease is a counter reset (the new value is
 * the increase since the restart); a series first seen inside the window counts from zero when its
 * pod started inside the window (a new canary pod), and from its first sample otherwise (a
 * long-running pod whose series Prometheus just discovered); a series that vanished adds nothing
 * after its last sample. Histograms are summed per `le`, repaired to be cumulative, checked against
 * `_count`, and refused when canary and primary have different buckets.
 */
import type { Result } from '../lib/result.js';
import type { ArmCounts } from './model.js';

/** One Prometheus series over a window, as a range query returns its raw samples. */
export interface CounterSeries {
  /** The series' labels; for a histogram bucket, `le` among them. */
  readonly labels: Readonly<Record<string, string>>;
  /** `[unix seconds, value]` in time order. The last sample at or before the window start is the baseline. */
  readonly samples: readonly (readonly [number, number])[];
  /** When the series' pod started (unix seconds), if known. */
  readonly podStartedAt?: number;
}

/** The analysis window, in unix seconds: (start, end]. */
export interface CounterWindow {
  readonly start: number;
  readonly end: number;
}

const fail = (message: string, fix: string): { ok: false; problem: { message: string; fix: string } } => ({
  ok: false,
  problem: { message, fix },
});

/** The increase of one counter series within the window, with resets and new series handled. */
export function counterIncrease(series: CounterSeries, window: CounterWindow): number {
  let previous: number | undefined;
  let increase = 0;
  for (const [time, value] of series.samples) {
    if (time > window.end) break;
    if (!Number.isFinite(value) || value < 0) continue;
    if (time <= window.start) {
      previous = value;
      continue;
    }
    if (previous === undefined) {
      // First seen inside the window: all of it is new only if its pod started inside the window.
      const newPod = series.podStartedAt !== undefined && series.podStartedAt > window.start;
      increase += newPod ? value : 0;
    } else {
      increase += value >= previous ? value - previous : value;
    }
    previous = value;
  }
  return Math.round(increase);
}

/** The summed increase of many series (one arm's pods and label combinations). */
export function sumIncreases(series: readonly CounterSeries[], window: CounterWindow): number {
  return series.reduce((sum, s) => sum + counterIncrease(s, window), 0);
}

/** One arm's latency histogram over a window (or over the pre-rollout period). */
export interface HistogramCounts {
  /** Finite bucket upper bounds `le`, ascending, in the histogram's unit (seconds by convention). */
  readonly le: readonly number[];
  /** Requests at or below each bound, cumulative (non-decreasing), same length as `le`. */
  readonly cumulative: readonly number[];
  /** All requests: the `+Inf` bucket, equal to `_count`. */
  readonly count: number;
}

/** Reads an `le` label: "0.25", "2.5e-1", "+Inf". NaN when it is none of those. */
export function parseLe(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  return text.trim() === '' ? NaN : Number(text);
}

/**
 * Sums a histogram's bucket series per `le` over a window. `count` holds the `_count` series, used
 * to check the `+Inf` bucket (and to stand in for it when no `+Inf` bucket was returned). Buckets
 * that are not cumulative (a lower bucket above a higher one, from a scrape taken mid-update) are
 * raised to the running maximum, as Prometheus does.
 */
export function histogramIncrease(
  buckets: readonly CounterSeries[],
  count: readonly CounterSeries[],
  window: CounterWindow,
): Result<HistogramCounts> {
  const perLe = new Map<number, number>();
  for (const series of buckets) {
    const le = parseLe(series.labels.le ?? '');
    if (Number.isNaN(le)) {
      return fail(
        `histogram bucket series without a readable le label (${JSON.stringify(series.labels.le ?? null)})`,
        'query the _bucket series of a classic histogram, keeping the le label',
      );
    }
    perLe.set(le, (perLe.get(le) ?? 0) + counterIncrease(series, window));
  }
  const total = count.length > 0 ? sumIncreases(count, window) : undefined;
  const sorted = [...perLe.entries()].sort(([a], [b]) => a - b);
  let running = 0;
  const repaired = sorted.map(([le, n]): [number, number] => [le, (running = Math.max(running, n))]);
  const inf = repaired.find(([le]) => le === Infinity)?.[1];
  if (inf === undefined && total === undefined) {
    return fail('histogram has neither a +Inf bucket nor a _count series', 'query the +Inf bucket or _count as well');
  }
  if (inf !== undefined && total !== undefined && inf !== total) {
    return fail(
      `histogram is inconsistent: the +Inf bucket grew by ${inf} but _count by ${total}`,
      'query the buckets and _count from the same targets and time range',
    );
  }
  const finite = repaired.filter(([le]) => le !== Infinity);
  const all = inf ?? total ?? 0;
  return {
    ok: true,
    value: { le: finite.map(([le]) => le), cumulative: finite.map(([, n]) => Math.min(n, all)), count: all },
  };
}

/** Checks that canary and primary histograms have the same finite buckets. */
export function sameBuckets(canary: HistogramCounts, primary: HistogramCounts): Result<true> {
  const same = canary.le.length === primary.le.length && canary.le.every((le, i) => le === primary.le[i]);
  if (same) return { ok: true, value: true };
  return fail(
    `incomparable histograms: canary buckets [${canary.le.join(', ')}] differ from primary buckets ` +
      `[${primary.le.join(', ')}]`,
    'give the canary the same histogram buckets as the primary (a release that changes buckets cannot be judged on latency)',
  );
}

/** Requests above a boundary: `count − cumulative(le = boundary)`. */
export function requestsAbove(histogram: HistogramCounts, boundary: number): Result<ArmCounts> {
  const index = histogram.le.indexOf(boundary);
  if (index < 0) {
    return fail(
      `the latency boundary ${boundary} frozen before the rollout is no longer a bucket (buckets: ` +
        `[${histogram.le.join(', ')}])`,
      'keep the histogram buckets unchanged during a release',
    );
  }
  const atOrBelow = histogram.cumulative[index] ?? 0;
  return { ok: true, value: { requests: histogram.count, events: histogram.count - atOrBelow } };
}
