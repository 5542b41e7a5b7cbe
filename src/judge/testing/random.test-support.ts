/**
 * A seeded generator and the samplers the judge's Monte-Carlo tests and bench draw from. For tests and
 * the bench only: the judge itself never draws a random number. The same seed replays the same
 * releases, so a failing property can be rerun exactly.
 */

/** Uniform numbers in [0, 1) and the distributions built on them. */
export interface Rng {
  uniform(): number;
  normal(): number;
  binomial(n: number, p: number): number;
  poisson(mean: number): number;
  /** Gamma with the given shape and scale 1/shape: mean 1, variance 1/shape. */
  gammaShock(shape: number): number;
}

/** splitmix32, used to spread a seed over the four words of the main generator's state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128**: four 32-bit words of state, period 2^128 − 1. */
function xoshiro128(seed: number): () => number {
  const next = splitmix32(seed);
  const s = [next(), next(), next(), next()];
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return () => {
    const [s0 = 0, s1 = 0, s2 = 0, s3 = 0] = s;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    s[1] = (s1 ^ n2) >>> 0;
    s[0] = (s0 ^ n3) >>> 0;
    s[2] = (n2 ^ t) >>> 0;
    s[3] = rotl(n3, 11);
    return result / 4294967296;
  };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7), accurate to about 1e-13 relative. */
export function lnGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = g[0] ?? 0;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (g[i] ?? 0) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln of the binomial probability of k successes in n trials. */
export function lnBinomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return -Infinity;
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/**
 * Inversion that walks outwards from the mode (m, m+1, m−1, m+2, …): exact for any discrete law whose
 * neighbouring probabilities have a known ratio, in O(standard deviation) steps.
 */
function invertFromMode(
  u: number,
  mode: number,
  lnPmfMode: number,
  up: (k: number) => number,
  down: (k: number) => number,
  max: number,
): number {
  const atMode = Math.exp(lnPmfMode);
  let rest = u - atMode;
  if (rest <= 0) return mode;
  let [hi, lo, pHi, pLo] = [mode, mode, atMode, atMode];
  while (hi < max || lo > 0) {
    if (hi < max) {
      pHi *= up(hi);
      hi += 1;
      rest -= pHi;
      if (rest <= 0) return hi;
    }
    if (lo > 0) {
      pLo *= down(lo);
      lo -= 1;
      rest -= pLo;
      if (rest <= 0) return lo;
    }
    if (pHi < 1e-300 && pLo < 1e-300) break;
  }
  return mode;
}

export function seededRng(seed: number): Rng {
  const uniform = xoshiro128(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const binomial = (n: number, p: number): number => {
    if (n === 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - binomial(n, 1 - p);
    if (n * p < 10) {
      // Small mean: invert from 0, where the probability is (1 − p)^n, without ln Γ.
      let [k, term] = [0, Math.exp(n * Math.log1p(-p))];
      let rest = uniform() - term;
      while (rest > 0 && k < n) {
        term *= ((n - k) / (k + 1)) * (p / (1 - p));
        k += 1;
        rest -= term;
      }
      return k;
    }
    const mode = Math.floor((n + 1) * p);
    const odds = p / (1 - p);
    return invertFromMode(
      uniform(),
      mode,
      lnBinomialPmf(mode, n, p),
      (k) => ((n - k) / (k + 1)) * odds,
      (k) => k / ((n - k + 1) * odds),
      n,
    );
  };
  const poisson = (mean: number): number => {
    if (mean <= 0) return 0;
    const mode = Math.floor(mean);
    const lnMode = mode * Math.log(mean) - mean - lnGamma(mode + 1);
    return invertFromMode(
      uniform(),
      mode,
      lnMode,
      (k) => mean / (k + 1),
      (k) => k / mean,
      Infinity,
    );
  };
  const gamma = (shape: number): number => {
    // Marsaglia and Tsang; a shape below 1 is boosted by U^(1/shape).
    if (shape < 1) return gamma(shape + 1) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = 1 - uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return { uniform, normal, binomial, poisson, gammaShock: (shape) => gamma(shape) / shape };
}

/** P(X ≥ x) for X ~ Binomial(n, p), summed upwards from x with the pmf's ratio recursion. */
export function binomialUpperTail(x: number, n: number, p: number): number {
  if (x <= 0) return 1;
  if (x > n) return 0;
  let term = Math.exp(lnBinomialPmf(x, n, p));
  let sum = 0;
  for (let k = x; k <= n; k++) {
    sum += term;
    term *= ((n - k) / (k + 1)) * (p / (1 - p));
    if (term < sum * 1e-15) break;
  }
  return Math.min(1, sum);
}

export { normalCdf } from '../../lib/normal-cdf.js';
