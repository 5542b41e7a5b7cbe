/**
 * `spec.analysis.judge` read once: checked (each problem naming its field and the fix), defaulted and
 * turned into what the analysis runs with — the judge core's `JudgeConfig`, what to do when a step
 * runs out of time, and where the counts come from. The validator refuses a Canary whose judge has a
 * problem (validate.ts); the engine and the metrics source read the settings from
 * {@link resolveCanaryJudge}. Also the mapping of a judged window to `status.judge`.
 */
import {
  judgeSpecProblems,
  resolveJudgeConfig,
  type JudgeConfig,
  type JudgeOutcome,
  type JudgeSpec,
  type SignalReport,
  type SplitResult,
} from '../judge/index.js';
import { parseGoDuration } from '../lib/duration.js';
import type { Problem, Result } from '../lib/result.js';
import type { CanaryAnalysis } from './canary-analysis.js';
import {
  JudgedSignal,
  OnInconclusive,
  type CanaryJudge,
  type CanaryJudgeStatus,
  type SignalEvidence,
  type SplitEvidence,
} from './canary-judge.js';
import type { ValidationIssue } from './validate.js';

/** Defaults of the fields the judge core does not read. */
export const CANARY_JUDGE_DEFAULTS = {
  onInconclusive: OnInconclusive.Fail,
  maxStepDuration: '30m',
  podLabel: 'kubernetes_pod_name',
} as const;

/** A MetricTemplate reference, its namespace defaulted to the Canary's by the reader. */
export interface JudgeTemplateRef {
  readonly name: string;
  readonly namespace?: string;
}

/** Where the counts come from. */
export type JudgeSource =
  | { readonly kind: 'builtin' }
  | {
      readonly kind: 'templates';
      /** The label that names the pod in the returned series. */
      readonly podLabel: string;
      readonly requests?: JudgeTemplateRef;
      readonly errors?: JudgeTemplateRef;
      readonly latency?: JudgeTemplateRef;
    };

/** `spec.analysis.judge`, resolved and frozen. */
export interface CanaryJudgeSettings {
  readonly config: JudgeConfig;
  readonly onInconclusive: OnInconclusive;
  /** Longest a step waits for a decision, in ms. */
  readonly maxStepDurationMs: number;
  readonly source: JudgeSource;
}

/** A problem with the field it is about. */
interface FieldProblem extends Problem {
  readonly path: string;
}

/** The judge core's view of the field. */
export function judgeSpecOf(judge: CanaryJudge): JudgeSpec {
  const split = judge.trafficSplit;
  return {
    ...(judge.falseRollbackRate !== undefined ? { falseRollbackRate: judge.falseRollbackRate } : {}),
    ...(judge.missRate !== undefined ? { missRate: judge.missRate } : {}),
    ...(judge.compare !== undefined ? { compare: judge.compare } : {}),
    ...(split === undefined
      ? {}
      : {
          trafficSplit:
            split.enabled === false
              ? false
              : {
                  ...(split.tolerance !== undefined ? { tolerance: split.tolerance } : {}),
                  ...(split.falseHoldRate !== undefined ? { falseHoldRate: split.falseHoldRate } : {}),
                },
        }),
  };
}

/** A core problem (`<field path> <rest>`) as a field problem. */
function fromCore(problem: Problem, path: string): FieldProblem {
  const space = problem.message.indexOf(' ');
  const field = space > 0 ? problem.message.slice(0, space) : '';
  if (field.startsWith(path)) return { ...problem, path: field, message: problem.message.slice(space + 1) };
  return { ...problem, path };
}

/** Why this analysis cannot be judged: A/B matching, or blue/green without a split. */
function strategyProblem(analysis: CanaryAnalysis, path: string): FieldProblem | undefined {
  if ((analysis.match ?? []).length > 0) {
    return {
      path,
      message:
        'cannot judge A/B testing: with analysis.match the canary’s requests are chosen by header or cookie, so its users are not a random share of the primary’s',
      fix: 'remove judge, or replace match and iterations with stepWeight or stepWeights',
    };
  }
  if (!(analysis.stepWeight !== undefined || analysis.stepWeights !== undefined)) {
    return {
      path,
      message:
        'needs a traffic split: with iterations (blue/green) the canary serves no share of the live traffic to compare with the primary',
      fix: 'use stepWeight or stepWeights, or remove judge',
    };
  }
  return undefined;
}

function durationProblem(judge: CanaryJudge, analysis: CanaryAnalysis, path: string): FieldProblem | undefined {
  const text = judge.maxStepDuration ?? CANARY_JUDGE_DEFAULTS.maxStepDuration;
  const ms = parseGoDuration(text) ?? Number.NaN;
  const at = `${path}.maxStepDuration`;
  if (!(ms > 0)) return { path: at, message: `${JSON.stringify(text)} must be above 0`, fix: 'use 30m or 1h' };
  const interval = parseGoDuration(analysis.interval ?? '');
  if (interval !== undefined && ms < interval) {
    return {
      path: at,
      message: `${text} is shorter than analysis.interval (${analysis.interval ?? ''}): a step would end before its second window`,
      fix: `use at least ${analysis.interval ?? ''}, e.g. 30m`,
    };
  }
  return undefined;
}

/** Templates the compared signals need but the source lacks. */
function sourceProblems(judge: CanaryJudge, path: string): FieldProblem[] {
  const templates = judge.source?.templates;
  if (templates === undefined) return [];
  const names = (judge.compare ?? Object.values(JudgedSignal).map((name) => ({ name }))).map((c) => c.name);
  const needs: [keyof typeof templates, string][] = [];
  if (names.includes(JudgedSignal.ErrorRatio)) needs.push(['requests', 'error-ratio'], ['errors', 'error-ratio']);
  if (names.some((n) => n !== JudgedSignal.ErrorRatio)) needs.push(['latency', 'the latency signals']);
  return needs
    .filter(([key]) => templates[key] === undefined)
    .map(([key, by]) => ({
      path: `${path}.source.templates.${key}`,
      message: `is required when ${by} ${by.startsWith('the') ? 'are' : 'is'} compared`,
      fix: `reference a MetricTemplate that selects the ${key === 'latency' ? 'latency histogram buckets' : `${key} counters`} of one arm, or remove the signal from compare`,
    }));
}

function problemsOf(analysis: CanaryAnalysis, judge: CanaryJudge, path: string): FieldProblem[] {
  const core = judgeSpecProblems(judgeSpecOf(judge), path).map((p) => fromCore(p, path));
  return [
    ...[strategyProblem(analysis, path)].filter((p) => p !== undefined),
    ...core,
    ...[durationProblem(judge, analysis, path)].filter((p) => p !== undefined),
    ...sourceProblems(judge, path),
  ];
}

/** Every problem of `analysis.judge`, one issue per field with its fix; empty without a judge. */
export function judgeIssues(analysis: CanaryAnalysis | undefined, path = 'spec.analysis.judge'): ValidationIssue[] {
  const judge = analysis?.judge;
  if (analysis === undefined || judge === undefined) return [];
  return problemsOf(analysis, judge, path).map((p) => ({ path: p.path, message: `${p.message}; ${p.fix}` }));
}

function sourceOf(judge: CanaryJudge): JudgeSource {
  const t = judge.source?.templates;
  if (t === undefined) return { kind: 'builtin' };
  return {
    kind: 'templates',
    podLabel: t.podLabel ?? CANARY_JUDGE_DEFAULTS.podLabel,
    ...(t.requests ? { requests: t.requests } : {}),
    ...(t.errors ? { errors: t.errors } : {}),
    ...(t.latency ? { latency: t.latency } : {}),
  };
}

/**
 * The judge settings of an analysis: null when it has no judge (the Canary is analysed as in
 * Flagger), else the settings or the first problem (validation refuses such a Canary before).
 */
export function resolveCanaryJudge(
  analysis: CanaryAnalysis | undefined,
  path = 'spec.analysis.judge',
): Result<CanaryJudgeSettings> | null {
  const judge = analysis?.judge;
  if (analysis === undefined || judge === undefined) return null;
  const [first] = problemsOf(analysis, judge, path);
  if (first !== undefined) return { ok: false, problem: { message: `${first.path} ${first.message}`, fix: first.fix } };
  const config = resolveJudgeConfig(judgeSpecOf(judge), path);
  if (!config.ok) return config;
  const settings: CanaryJudgeSettings = {
    config: config.value,
    onInconclusive: judge.onInconclusive ?? CANARY_JUDGE_DEFAULTS.onInconclusive,
    maxStepDurationMs: parseGoDuration(judge.maxStepDuration ?? CANARY_JUDGE_DEFAULTS.maxStepDuration) ?? 0,
    source: sourceOf(judge),
  };
  return { ok: true, value: Object.freeze(settings) };
}

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

function evidenceOf(r: SignalReport): SignalEvidence {
  return {
    name: r.name as JudgedSignal,
    verdict: r.verdict as SignalEvidence['verdict'],
    reason: r.reason,
    ...(r.passedBy !== null ? { passedBy: r.passedBy } : {}),
    canary: { requests: r.canary.requests, events: r.canary.events },
    primary: { requests: r.primary.requests, events: r.primary.events },
    ...(finite(r.ratio) ? { ratio: r.ratio } : {}),
    lower: r.lower,
    ...(finite(r.upper) ? { upper: r.upper } : {}),
    lowerConfidence: r.lowerConfidence,
    upperConfidence: r.upperConfidence,
    failAbove: r.failAbove,
    passBelow: r.passBelow,
    eFail: r.eFail,
    failThreshold: r.failThreshold,
    ePass: r.ePass,
    passThreshold: r.passThreshold,
    pValue: r.pValue,
    phi: r.phi,
    ...(finite(r.boundary) ? { boundary: r.boundary } : {}),
    ...(r.needed !== null && finite(r.needed.canaryRequests)
      ? {
          needed: {
            canaryRequests: Math.ceil(r.needed.canaryRequests),
            ...(finite(r.needed.seconds) ? { seconds: r.needed.seconds } : {}),
          },
        }
      : {}),
    windows: r.windows,
  };
}

function splitEvidenceOf(split: SplitResult): SplitEvidence {
  return {
    verdict: split.verdict,
    reason: split.reason,
    weight: split.state.weight,
    ...(finite(split.observedShare) ? { observedShare: split.observedShare } : {}),
    band: { low: split.band[0], high: split.band[1] },
    canaryRequests: split.state.canaryRequests,
    primaryRequests: split.state.primaryRequests,
  };
}

/** `status.judge` after a window judged at `time` (RFC 3339): evidence typed, state kept as plain JSON. */
export function judgeStatusOf(outcome: JudgeOutcome, time: string): CanaryJudgeStatus {
  return {
    verdict: outcome.verdict,
    reason: outcome.reason,
    time,
    signals: outcome.signals.map(evidenceOf),
    ...(outcome.split ? { split: splitEvidenceOf(outcome.split) } : {}),
    state: outcome.state as unknown as Record<string, unknown>,
  };
}
