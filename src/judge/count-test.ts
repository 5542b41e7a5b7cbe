/**
 * The count test: an anytime-valid comparison of the canary's event rate with the primary's, fed one
 * analysis window at a time (research note §6.2).
 *
 * - FAIL when the mixture e-value M⁺ against "ratio ≤ failAbove" reaches 1/α. By Ville's inequality a
 *   canary no worse than `failAbove` fails with probability ≤ α however often the judge looks.
 * - PASS when the e-value M⁻ against "ratio ≥ passBelow" reaches 1/β, or when the planned number of
 *   canary requests is reached without a FAIL, or when neither arm saw an event in enough requests.
 * - Both are sticky; FAIL wins over an earlier PASS.
 *
 * Likelihoods are tempered by φ ≥ 1 (over-dispersion), which keeps each e-value valid when events come
 * in bursts. The state is plain JSON: per-window sufficient statistics (merged when two windows have
 * the same canary share), running counts, the running maxima of the e-values and the running
 * intersection of the confidence bounds. No clock, I/O or randomness.
 */
import {
  estimateLogRatio,
  logEValueFromCurve,
  logLikelihood,
  logShareDenominator,
  lowerLogBound,
  mixturePoints,
  upperLogBound,
  type Stratum,
} from './likelihood.js';
import type { ArmCounts, PassRule, WindowCounts } from './model.js';
import { plannedCanaryRequests, zeroEventRequests } from './planner.js';

/** How one count test decides. */
export interface CountTestSettings {
  /** FAIL when the canary/primary ratio is shown above this (> 0). */
  readonly failAbove: number;
  /** PASS when the ratio is shown below this (> failAbove). */
  readonly passBelow: number;
  /** This test's share of the false-rollback budget (level of the FAIL side and the lower bound). */
  readonly alpha: number;
  /** Miss budget (level of the PASS side and the upper bound). */
  readonly beta: number;
  /** Over-dispersion φ ≥ 1: likelihoods are divided by it. 1 for Poisson events. */
  readonly phi: number;
  /** The primary's event rate before the rollout; enables the planned-sample PASS. */
  readonly baseRate?: number | undefined;
  /** Absolute event rate for the zero-event PASS; undefined turns the rule off. */
  readonly zeroEventRate?: number | undefined;
}

/** A count test's state, plain JSON, stored on the Canary's status between windows. */
export interface CountTestState {
  /** Informative windows (both arms had requests, some events), merged by equal canary share. */
  readonly strata: readonly Stratum[];
  readonly canary: ArmCounts;
  readonly primary: ArmCounts;
  /** Windows fed so far, with or without events. */
  readonly windows: number;
  /** Largest FAIL e-value so far (the anytime p-value is its inverse). Capped at 1e300. */
  readonly maxEFail: number;
  /** Largest PASS e-value so far. Capped at 1e300. */
  readonly maxEPass: number;
  /** Running maximum of the lower bound on the ratio; 0 when none yet. */
  readonly lower: number;
  /** Running minimum of the upper bound on the ratio; null while unbounded. */
  readonly upper: number | null;
  readonly failed: boolean;
  readonly passedBy: PassRule | null;
}

const E_CAP = 1e300;
const capped = (logE: number): number => Math.min(E_CAP, Math.exp(logE));
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Confidence bounds on the canary/primary ratio (not logs): lower ≥ 0, upper possibly Infinity. */
export interface RatioBounds {
  readonly lower: number;
  readonly upper: number;
}

export class CountTest {
  readonly #settings: CountTestSettings;
  readonly #failPoints: number[];
  readonly #passPoints: number[];
  readonly #failCurve: Float64Array;
  readonly #passCurve: Float64Array;
  #state: CountTestState;

  private constructor(settings: CountTestSettings, state: CountTestState) {
    this.#settings = settings;
    this.#state = state;
    this.#failPoints = mixturePoints(Math.log(settings.failAbove), 'fail');
    this.#passPoints = mixturePoints(Math.log(settings.passBelow), 'pass');
    this.#failCurve = Float64Array.from(this.#failPoints, (d) => logLikelihood(state.strata, d));
    this.#passCurve = Float64Array.from(this.#passPoints, (d) => logLikelihood(state.strata, d));
  }

  /** A test that has seen nothing: e-values 1, bounds (0, ∞), verdict CONTINUE. */
  static start(settings: CountTestSettings): CountTest {
    const none = { requests: 0, events: 0 };
    return new CountTest(settings, {
      strata: [],
      canary: none,
      primary: none,
      windows: 0,
      maxEFail: 1,
      maxEPass: 1,
      lower: 0,
      upper: null,
      failed: false,
      passedBy: null,
    });
  }

  /** Rebuilds a test from its stored state; the same settings give the same answers as before. */
  static fromState(settings: CountTestSettings, state: CountTestState): CountTest {
    return new CountTest(settings, state);
  }

  get settings(): CountTestSettings {
    return this.#settings;
  }

  /** The state to store (plain JSON). */
  toState(): CountTestState {
    return this.#state;
  }

  /**
   * Feeds one window. Counts must already be checked (integers, events ≤ requests). A window where
   * an arm had no request, or no event happened, carries no information about the ratio: it adds to
   * the counts and the zero-event rule, and leaves e-values and bounds as they were.
   */
  add(window: WindowCounts): void {
    const s = this.#state;
    const { canary: c, primary: p } = window;
    const events = c.events + p.events;
    const informative = c.requests > 0 && p.requests > 0 && events > 0;
    const stratum: Stratum = [c.requests, p.requests, events, c.events];
    const strata = informative ? mergeStratum(s.strata, stratum) : s.strata;
    if (informative) {
      addWindowCurve(this.#failCurve, this.#failPoints, stratum);
      addWindowCurve(this.#passCurve, this.#passPoints, stratum);
    }
    const next: CountTestState = {
      ...s,
      strata,
      canary: { requests: s.canary.requests + c.requests, events: s.canary.events + c.events },
      primary: { requests: s.primary.requests + p.requests, events: s.primary.events + p.events },
      windows: s.windows + 1,
      maxEFail: Math.max(s.maxEFail, capped(this.logEFail())),
      maxEPass: Math.max(s.maxEPass, capped(this.logEPass())),
    };
    this.#state = { ...next, failed: next.failed || next.maxEFail >= 1 / this.#settings.alpha };
    this.#state = { ...this.#state, passedBy: this.#state.passedBy ?? this.#passRule() };
  }

  /** ln of the FAIL e-value now (against "ratio ≤ failAbove"). */
  logEFail(): number {
    return logEValueFromCurve(this.#failCurve, this.#settings.phi);
  }

  /** ln of the PASS e-value now (against "ratio ≥ passBelow"). */
  logEPass(): number {
    return logEValueFromCurve(this.#passCurve, this.#settings.phi);
  }

  eFail(): number {
    return capped(this.logEFail());
  }

  ePass(): number {
    return capped(this.logEPass());
  }

  /** Anytime-valid p-value of "ratio ≤ failAbove" (display only): 1 / the largest FAIL e-value so far. */
  pValue(): number {
    return Math.min(1, 1 / this.#state.maxEFail);
  }

  /** The verdict after the windows fed so far. */
  verdict(): 'PASS' | 'FAIL' | 'CONTINUE' {
    if (this.#state.failed) return 'FAIL';
    return this.#state.passedBy === null ? 'CONTINUE' : 'PASS';
  }

  /**
   * Canary requests after which the test passes on the plan; Infinity without a base rate. Another
   * `baseRate` only projects (the wording of "needs ≈ N more"); it never decides.
   */
  plannedRequests(baseRate = this.#settings.baseRate): number {
    if (baseRate === undefined) return Infinity;
    const { canary, primary } = this.#state;
    return plannedCanaryRequests({
      ...this.#settings,
      baseRate,
      allocation: canary.requests > 0 && primary.requests > 0 ? primary.requests / canary.requests : 9,
    });
  }

  /** Confidence bounds from the windows so far (not the running intersection). */
  currentBounds(): RatioBounds {
    const { strata } = this.#state;
    const common = { strata, phi: this.#settings.phi };
    const lower = lowerLogBound({
      ...common,
      logThreshold: Math.log(1 / this.#settings.alpha),
      anchor: Math.log(this.#settings.failAbove),
    });
    const upper = upperLogBound({
      ...common,
      logThreshold: Math.log(1 / this.#settings.beta),
      anchor: Math.log(this.#settings.passBelow),
    });
    return { lower: Math.exp(lower), upper: Math.exp(upper) };
  }

  /**
   * A look: computes the bounds and folds them into the running intersection, which stays a valid
   * confidence sequence and never widens. Call it after {@link add} at each analysis tick.
   */
  look(): RatioBounds {
    const now = this.currentBounds();
    const s = this.#state;
    const upper = Math.min(s.upper ?? Infinity, now.upper);
    this.#state = { ...s, lower: Math.max(s.lower, now.lower), upper: Number.isFinite(upper) ? upper : null };
    return { lower: this.#state.lower, upper };
  }

  /** The stratified maximum-likelihood ratio; null with no event yet, Infinity with canary events only. */
  estimate(): number | null {
    const log = estimateLogRatio(this.#state.strata);
    return Number.isNaN(log) ? null : Math.exp(log);
  }

  #passRule(): PassRule | null {
    const s = this.#state;
    if (s.failed) return null;
    if (s.maxEPass >= 1 / this.#settings.beta) return 'bound';
    const rate = this.#settings.zeroEventRate;
    const noEvents = s.canary.events + s.primary.events === 0;
    if (rate !== undefined && noEvents && s.canary.requests >= zeroEventRequests(rate, this.#settings.beta)) {
      return 'zero-events';
    }
    return s.canary.requests >= this.plannedRequests() ? 'plan' : null;
  }
}

/** Adds one window's ℓ_w(δ) = x_c·δ − E·ln(ρe^δ + 1 − ρ) at each point of a curve. */
function addWindowCurve(curve: Float64Array, points: readonly number[], stratum: Stratum): void {
  const [nc, np, events, canaryEvents] = stratum;
  const share = nc / (nc + np);
  for (let i = 0; i < points.length; i++) {
    const delta = points[i] ?? 0;
    curve[i] = (curve[i] ?? 0) + canaryEvents * delta - events * logShareDenominator(share, delta);
  }
}

/** Adds a window to the strata, merged into one with the same canary share when there is one. */
function mergeStratum(strata: readonly Stratum[], added: Stratum): Stratum[] {
  const [nc, np] = added;
  const g = gcd(nc, np);
  const index = strata.findIndex(([c, p]) => {
    const h = gcd(c, p);
    return c / h === nc / g && p / h === np / g;
  });
  if (index < 0) return [...strata, added];
  return strata.map((s, i) => (i === index ? ([s[0] + nc, s[1] + np, s[2] + added[2], s[3] + added[3]] as const) : s));
}
