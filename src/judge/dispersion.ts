/**
 * Over-dispersion φ from the primary pods' history (research note §6.2, "Over-dispersion").
 *
 * Binomial counts assume independent requests. Real errors come in bursts (a pod's bad minute, one
 * heavy client), and untempered tests then fail good canaries far more often than α. Before the
 * rollout, the primary's pods are compared with one another: in each block of time, each pod's
 * events against its share of the block's requests, by Pearson's statistic with (pods − 1) degrees
 * of freedom. Consecutive time slots are pooled into a block until every pod expects ≥ 5 events.
 * φ̂ = Σ statistic / Σ degrees of freedom, clamped to [1, 10]; with fewer than 3 pods, or no block
 * with enough events, φ = 1.5 and the reason says why.
 */
import type { ArmCounts } from './model.js';

/** One primary pod's counts per time slot (every pod with the same slots, e.g. one per minute). */
export type PodSlots = readonly ArmCounts[];

/** The φ to temper a count test with, and why. */
export interface Dispersion {
  readonly phi: number;
  /** One plain sentence: where φ came from. */
  readonly reason: string;
  /** The raw estimate before clamping; null when there was none. */
  readonly estimate: number | null;
}

/** φ used when it cannot be estimated. */
export const DEFAULT_PHI = 1.5;
export const PHI_RANGE = { min: 1, max: 10 } as const;
const MIN_PODS = 3;
const MIN_EXPECTED = 5;

/** Pearson's statistic and degrees of freedom of one block, or null while it is too thin. */
function blockStatistic(pods: readonly ArmCounts[]): { statistic: number; df: number } | null {
  const active = pods.filter((p) => p.requests > 0);
  const requests = active.reduce((s, p) => s + p.requests, 0);
  const events = active.reduce((s, p) => s + p.events, 0);
  if (active.length < MIN_PODS || events === 0 || events === requests) return null;
  const rate = events / requests;
  if (active.some((p) => p.requests * rate < MIN_EXPECTED)) return null;
  const statistic = active.reduce((s, p) => {
    const expected = p.requests * rate;
    return s + (p.events - expected) ** 2 / (expected * (1 - rate));
  }, 0);
  return { statistic, df: active.length - 1 };
}

/** Estimates φ from the primary pods' history (one entry per pod). */
export function estimateDispersion(history: readonly PodSlots[]): Dispersion {
  if (history.length < MIN_PODS) {
    return {
      phi: DEFAULT_PHI,
      estimate: null,
      reason:
        `φ = ${DEFAULT_PHI}: the primary has ${history.length} pod${history.length === 1 ? '' : 's'}, and ` +
        `over-dispersion is estimated across at least ${MIN_PODS}`,
    };
  }
  const slots = Math.max(...history.map((pod) => pod.length));
  let [statistic, df, blocks] = [0, 0, 0];
  let pooled = history.map(() => ({ requests: 0, events: 0 }));
  for (let t = 0; t < slots; t++) {
    pooled = pooled.map((sum, i) => {
      const slot = history[i]?.[t];
      return slot ? { requests: sum.requests + slot.requests, events: sum.events + slot.events } : sum;
    });
    const block = blockStatistic(pooled);
    if (block === null) continue;
    [statistic, df, blocks] = [statistic + block.statistic, df + block.df, blocks + 1];
    pooled = history.map(() => ({ requests: 0, events: 0 }));
  }
  if (df === 0) {
    return {
      phi: DEFAULT_PHI,
      estimate: null,
      reason:
        `φ = ${DEFAULT_PHI}: the primary's history has too few events to estimate over-dispersion ` +
        `(each pod needs ≥ ${MIN_EXPECTED} expected events in a block)`,
    };
  }
  const estimate = statistic / df;
  const phi = Math.min(PHI_RANGE.max, Math.max(PHI_RANGE.min, estimate));
  return {
    phi,
    estimate,
    reason: `φ = ${+phi.toFixed(2)} from ${history.length} primary pods over ${blocks} block${blocks === 1 ? '' : 's'} of history`,
  };
}
