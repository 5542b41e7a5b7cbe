/**
 * Deterministic pseudo-randomness for the traffic simulator: the same seed replays the same
 * traffic, so a failing test can be rerun exactly. Nothing here reads a clock or Math.random.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a 32-bit generator, small and fast, statistically good enough for splitting traffic
 * (it is not for cryptography). Any integer seed works; it is reduced to 32 bits.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Picks an index with probability weight / sum(weights), the way Envoy's weighted clusters choose
 * a cluster per request. Weights are relative (App Mesh's need not sum to 100); negative and
 * non-finite weights count as 0. Returns undefined when every weight is 0: no route has traffic.
 */
export function pickWeighted(weights: readonly number[], random: Random): number | undefined {
  const usable = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const total = usable.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  let point = random() * total;
  for (const [i, w] of usable.entries()) {
    if (point < w) return i;
    point -= w;
  }
  // Rounding can leave `point` a hair above the last bucket; it belongs to the last weighted one.
  return usable.findLastIndex((w) => w > 0);
}

/**
 * How many requests a tick sends: `rps × tickMs / 1000`, with the fraction carried to the next tick
 * so that a low rate (say 5 rps at 100 ms ticks) still averages out instead of rounding to zero.
 */
export function requestsThisTick(rps: number, tickMs: number, carry: number): { count: number; carry: number } {
  const due = carry + (rps * tickMs) / 1000;
  const count = Math.floor(due);
  return { count, carry: due - count };
}

/** A sample of a normal distribution (Box–Muller), for log-normal latencies. */
export function standardNormal(random: Random): number {
  // 1 - random() is in (0, 1], so the logarithm is finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
