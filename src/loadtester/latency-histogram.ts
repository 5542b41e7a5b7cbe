/**
 * Latencies of a load run in logarithmic buckets 1 % wide, from 1 µs to over an hour: percentiles
 * within 1 % in constant memory, however long a `hey -z 1h` runs.
 */

/** Lower edge of the first bucket, ms (1 µs). */
const FLOOR_MS = 0.001;
/** Each bucket is this much wider than the one before: 1 % resolution. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Enough buckets to reach past an hour (3.6e9 µs needs ~2,200). */
const BUCKETS = 2300;

/** Counts, sum, extremes and percentiles of latencies in ms. */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  /** Latencies recorded. */
  count = 0;
  /** Their sum, ms. */
  sum = 0;
  /** Fastest, ms (Infinity before the first). */
  min = Infinity;
  /** Slowest, ms. */
  max = 0;

  record(ms: number): void {
    const index = ms <= FLOOR_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FLOOR_MS) / LOG_GROWTH));
    this.counts[index]! += 1;
    this.count += 1;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** The latency below which `p` % of requests finished (upper edge of its bucket, at most `max`); NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, FLOOR_MS * GROWTH ** i);
    }
    return this.max;
  }

  /** Mean latency, ms; NaN when empty. */
  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}
