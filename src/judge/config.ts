/**
 * The judge's settings: what a user writes (every field optional), checked once and turned into a
 * frozen, defaulted configuration with the false-rollback budget split by Bonferroni over the judged
 * signals. A bad value is a Problem that names the field, quotes the value and says how to fix it.
 */
import type { Problem, Result } from '../lib/result.js';
import { COUNT_SIGNALS, type CountSignalName } from './model.js';
import type { SplitSettings } from './split.js';

/** One judged signal as a user writes it. */
export interface CompareSpec {
  readonly name: string;
  /** FAIL when the canary/primary ratio is shown above this. Default 1.1. */
  readonly failAbove?: number;
  /** PASS when the ratio is shown below this. Default 2.0 for error-ratio, 1.5 for latency. */
  readonly passBelow?: number;
  /** Relative share of the false-rollback budget. Default 1 (equal shares). */
  readonly weight?: number;
  /** Latency signals: the primary quantile the boundary stands for. Default 0.99 tail, 0.90 body. */
  readonly quantile?: number;
  /** Zero-event PASS: the absolute event rate to rule out. Default 0.001 (0.1%); 0 turns it off. */
  readonly zeroEventRate?: number;
}

/** The judge as a user writes it (the future `spec.analysis.judge`). */
export interface JudgeSpec {
  /** α: chance of rolling back a canary no worse than `failAbove`, whole release. Default 0.01. */
  readonly falseRollbackRate?: number;
  /** β: chance of passing a canary worse than `passBelow`, per signal. Default 0.05. */
  readonly missRate?: number;
  /** Signals to judge. Default: error-ratio, latency-tail and latency-body. */
  readonly compare?: readonly CompareSpec[];
  /** The split check; `false` turns it off. Default tolerance 0.3, falseHoldRate 0.001. */
  readonly trafficSplit?: false | { readonly tolerance?: number; readonly falseHoldRate?: number };
}

/** One judged signal, resolved. */
export interface SignalConfig {
  readonly name: CountSignalName;
  readonly failAbove: number;
  readonly passBelow: number;
  /** This signal's share of α (Bonferroni). */
  readonly alpha: number;
  /** Latency signals only: the quantile of the frozen boundary. */
  readonly quantile?: number;
  /** Undefined when the zero-event rule is off. */
  readonly zeroEventRate?: number;
}

/** The judge, resolved and frozen. */
export interface JudgeConfig {
  readonly alpha: number;
  readonly beta: number;
  readonly signals: readonly SignalConfig[];
  readonly split: SplitSettings | null;
}

export const JUDGE_DEFAULTS = {
  falseRollbackRate: 0.01,
  missRate: 0.05,
  failAbove: 1.1,
  passBelow: { 'error-ratio': 2, 'latency-tail': 1.5, 'latency-body': 1.5 },
  quantile: { 'latency-tail': 0.99, 'latency-body': 0.9 },
  zeroEventRate: 0.001,
  splitTolerance: 0.3,
  falseHoldRate: 0.001,
} as const;

type Check = (value: number) => boolean;
const inOpenUnit: Check = (v) => v > 0 && v < 1;

/** Reads an optional number: the default when absent, a Problem when present and wrong. */
function numberAt(
  path: string,
  value: unknown,
  fallback: number,
  ok: Check,
  rule: string,
  fix: string,
): Result<number> {
  if (value === undefined) return { ok: true, value: fallback };
  if (typeof value === 'number' && Number.isFinite(value) && ok(value)) return { ok: true, value };
  return { ok: false, problem: { message: `${path} ${JSON.stringify(value)} ${rule}`, fix } };
}

function unwrap<T>(result: Result<T>, problems: Problem[], fallback: T): T {
  if (result.ok) return result.value;
  problems.push(result.problem);
  return fallback;
}

function resolveSignal(
  path: string,
  spec: CompareSpec,
  problems: Problem[],
): Omit<SignalConfig, 'alpha'> & { weight: number } {
  const name = spec.name as CountSignalName;
  const failAbove = unwrap(
    numberAt(
      `${path}.failAbove`,
      spec.failAbove,
      JUDGE_DEFAULTS.failAbove,
      (v) => v > 0,
      'must be a ratio > 0',
      'use 1.1 (10% worse than the primary) or more',
    ),
    problems,
    JUDGE_DEFAULTS.failAbove,
  );
  const defaultPass = JUDGE_DEFAULTS.passBelow[name];
  const passBelow = unwrap(
    numberAt(
      `${path}.passBelow`,
      spec.passBelow,
      defaultPass,
      (v) => v > failAbove,
      `must be above failAbove (${failAbove})`,
      `use ${Math.max(defaultPass, +(failAbove * 1.5).toFixed(2))} or another ratio above failAbove`,
    ),
    problems,
    defaultPass,
  );
  const weight = unwrap(
    numberAt(
      `${path}.weight`,
      spec.weight,
      1,
      (v) => v > 0,
      'must be > 0',
      'give each signal a positive share of the budget, e.g. 1',
    ),
    problems,
    1,
  );
  const zeroEventRate = unwrap(
    numberAt(
      `${path}.zeroEventRate`,
      spec.zeroEventRate,
      JUDGE_DEFAULTS.zeroEventRate,
      (v) => v >= 0 && v < 1,
      'must be between 0 (off) and 1',
      'use 0.001 (rule out 0.1%) or 0 to turn the rule off',
    ),
    problems,
    JUDGE_DEFAULTS.zeroEventRate,
  );
  const common = { name, failAbove, passBelow, weight, ...(zeroEventRate > 0 ? { zeroEventRate } : {}) };
  if (name === 'error-ratio') {
    if (spec.quantile !== undefined) {
      problems.push({
        message: `${path}.quantile is only for latency signals`,
        fix: 'remove quantile from error-ratio',
      });
    }
    return common;
  }
  const quantile = unwrap(
    numberAt(
      `${path}.quantile`,
      spec.quantile,
      JUDGE_DEFAULTS.quantile[name],
      (v) => v >= 0.5 && v < 1,
      'must be at least 0.5 and below 1',
      'use 0.99 for the tail or 0.9 for the body',
    ),
    problems,
    JUDGE_DEFAULTS.quantile[name],
  );
  return { ...common, quantile };
}

function resolveSplit(spec: JudgeSpec['trafficSplit'], path: string, problems: Problem[]): SplitSettings | null {
  if (spec === false) return null;
  const tolerance = unwrap(
    numberAt(
      `${path}.tolerance`,
      spec?.tolerance,
      JUDGE_DEFAULTS.splitTolerance,
      inOpenUnit,
      'must be between 0 and 1',
      'use 0.3: a 10% weight then expects 7–13%',
    ),
    problems,
    JUDGE_DEFAULTS.splitTolerance,
  );
  const alpha = unwrap(
    numberAt(
      `${path}.falseHoldRate`,
      spec?.falseHoldRate,
      JUDGE_DEFAULTS.falseHoldRate,
      inOpenUnit,
      'must be between 0 and 1',
      'use 0.001',
    ),
    problems,
    JUDGE_DEFAULTS.falseHoldRate,
  );
  return { tolerance, alpha };
}

/**
 * Every problem of a judge spec, each naming its field first (`<path>.<field> <value> …`), for
 * validators that report problems one per field; empty when the spec is good.
 */
export function judgeSpecProblems(spec: JudgeSpec, path = 'spec.analysis.judge'): readonly Problem[] {
  return resolveParts(spec, path).problems;
}

/** Checks and defaults a judge spec; `path` names it in problems (e.g. "spec.analysis.judge"). */
export function resolveJudgeConfig(spec: JudgeSpec, path = 'spec.analysis.judge'): Result<JudgeConfig> {
  const { problems, config } = resolveParts(spec, path);
  const [first] = problems;
  if (first !== undefined) {
    const rest =
      problems.length > 1
        ? ` (and ${problems.length - 1} more: ${problems
            .slice(1)
            .map((p) => p.message)
            .join('; ')})`
        : '';
    return { ok: false, problem: { message: first.message + rest, fix: first.fix } };
  }
  return { ok: true, value: config };
}

function resolveParts(spec: JudgeSpec, path: string): { problems: Problem[]; config: JudgeConfig } {
  const problems: Problem[] = [];
  const alpha = unwrap(
    numberAt(
      `${path}.falseRollbackRate`,
      spec.falseRollbackRate,
      JUDGE_DEFAULTS.falseRollbackRate,
      (v) => v > 0 && v < 0.5,
      'must be between 0 and 0.5',
      'use 0.01 (one false rollback in 100 releases) or 0.05',
    ),
    problems,
    JUDGE_DEFAULTS.falseRollbackRate,
  );
  const beta = unwrap(
    numberAt(
      `${path}.missRate`,
      spec.missRate,
      JUDGE_DEFAULTS.missRate,
      (v) => v > 0 && v < 0.5,
      'must be between 0 and 0.5',
      'use 0.05',
    ),
    problems,
    JUDGE_DEFAULTS.missRate,
  );
  const compare = spec.compare ?? COUNT_SIGNALS.map((name) => ({ name }));
  if (compare.length === 0) {
    problems.push({ message: `${path}.compare is empty`, fix: `list at least one of ${COUNT_SIGNALS.join(', ')}` });
  }
  const seen = new Set<string>();
  const resolved = compare.flatMap((c, i) => {
    const at = `${path}.compare[${i}]`;
    if (!(COUNT_SIGNALS as readonly string[]).includes(c.name)) {
      problems.push({
        message: `${at}.name ${JSON.stringify(c.name)} is not a judged signal`,
        fix: `use one of ${COUNT_SIGNALS.join(', ')}`,
      });
      return [];
    }
    if (seen.has(c.name)) {
      problems.push({ message: `${at}.name ${JSON.stringify(c.name)} is listed twice`, fix: 'list each signal once' });
      return [];
    }
    seen.add(c.name);
    return [resolveSignal(at, c, problems)];
  });
  const split = resolveSplit(spec.trafficSplit, `${path}.trafficSplit`, problems);
  const totalWeight = resolved.reduce((s, r) => s + r.weight, 0);
  const signals = resolved.map(({ weight, ...r }) => Object.freeze({ ...r, alpha: (alpha * weight) / totalWeight }));
  return { problems, config: Object.freeze({ alpha, beta, signals: Object.freeze(signals), split }) };
}
