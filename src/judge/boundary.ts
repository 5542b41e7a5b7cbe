/**
 * Freezing the latency boundaries before the rollout (research note §6.2, "Boundaries").
 *
 * The latency signals count requests slower than a histogram bucket boundary: b₉₉ near the primary's
 * p99 and b₉₀ near its p90. Each is the finite bucket bound whose primary exceedance over the
 * pre-rollout period is closest, on a log scale, to 1% (or 10%), among bounds whose exceedance lies
 * within 0.2–5× of that target. Only the primary's pre-rollout data is read: a boundary chosen from
 * canary data would invalidate the test.
 */
import type { Result } from '../lib/result.js';
import type { HistogramCounts } from './counters.js';

/** A boundary frozen for the release. */
export interface FrozenBoundary {
  /** The bucket bound `le`, in the histogram's unit. */
  readonly le: number;
  /** The quantile it stands for (0.99 for b₉₉). */
  readonly quantile: number;
  /** The primary's share of requests above it before the rollout. */
  readonly exceedance: number;
  /** Set when the quantile lies beyond the second-highest finite bucket: say so to the user. */
  readonly note?: string;
}

/** Fewer requests than this many expected exceedances cannot place a boundary. */
const MIN_EXPECTED_ABOVE = 10;
const TOLERANCE = 5;

/** Picks and freezes the boundary for `quantile` (0.5 < quantile < 1) from the primary's histogram. */
export function freezeBoundary(primary: HistogramCounts, quantile: number): Result<FrozenBoundary> {
  const target = 1 - quantile;
  const needed = Math.ceil(MIN_EXPECTED_ABOVE / target);
  const name = `p${+(quantile * 100).toFixed(2)}`;
  if (primary.count < needed) {
    return {
      ok: false,
      problem: {
        message:
          `cannot place a ${name} latency boundary: the primary served ${primary.count} requests before the ` +
          `rollout, and at least ${needed} are needed`,
        fix: 'lengthen the pre-rollout window, wait for more traffic, or judge without this latency signal',
      },
    };
  }
  let best: FrozenBoundary | undefined;
  let bestDistance = Infinity;
  primary.le.forEach((le, i) => {
    const exceedance = (primary.count - (primary.cumulative[i] ?? 0)) / primary.count;
    if (exceedance < target / TOLERANCE || exceedance > target * TOLERANCE) return;
    const distance = Math.abs(Math.log(exceedance / target));
    if (distance < bestDistance) [best, bestDistance] = [{ le, quantile, exceedance }, distance];
  });
  if (best === undefined) {
    const shares = primary.le.map(
      (le, i) => `${le}: ${pct((primary.count - (primary.cumulative[i] ?? 0)) / primary.count)}`,
    );
    return {
      ok: false,
      problem: {
        message:
          `cannot place a ${name} latency boundary: no bucket has between ${pct(target / TOLERANCE)} and ` +
          `${pct(target * TOLERANCE)} of the primary's requests above it (${shares.join(', ')})`,
        fix: `add histogram buckets near the primary's ${name}, or judge without this latency signal`,
      },
    };
  }
  return { ok: true, value: withTopNote(primary, best, name) };
}

function withTopNote(primary: HistogramCounts, boundary: FrozenBoundary, name: string): FrozenBoundary {
  const secondHighest = primary.le.at(-2);
  const index = secondHighest === undefined ? -1 : primary.le.indexOf(secondHighest);
  const belowSecond = index < 0 ? 1 : (primary.cumulative[index] ?? 0) / primary.count;
  if (belowSecond >= boundary.quantile) return boundary;
  return {
    ...boundary,
    note:
      `the primary's ${name} lies above the second-highest bucket (${String(secondHighest)}): ` +
      'quantiles read from this histogram saturate, and only the exceedance test sees a regression there',
  };
}

function pct(share: number): string {
  return `${+(share * 100).toPrecision(3)}%`;
}
