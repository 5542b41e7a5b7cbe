/**
 * Schema of Serin's statistical judge on a Canary (not in Flagger): `spec.analysis.judge`, which
 * turns the judge on, and `status.judge`, where its evidence is reported. A Canary without
 * `spec.analysis.judge` validates and behaves exactly as in Flagger. The rules on the numbers
 * (ranges, `passBelow` above `failAbove`, …) live in one place, `resolveJudgeConfig` of
 * src/judge/config.ts, which the validator runs after this schema (judge-settings.ts); the
 * descriptions below only state them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { NON_NEGATIVE_DURATION_PATTERN } from '../lib/duration.js';
import { PreserveUnknown, StringEnum } from './schema-kit.js';

/** The signals judged by a count test, as `compare[].name` accepts them. */
export const JudgedSignal = {
  ErrorRatio: 'error-ratio',
  LatencyTail: 'latency-tail',
  LatencyBody: 'latency-body',
} as const;
/** Union of {@link JudgedSignal} values. */
export type JudgedSignal = (typeof JudgedSignal)[keyof typeof JudgedSignal];

/** What happens when a step reaches `maxStepDuration` without every signal passing. */
export const OnInconclusive = { Fail: 'fail', Hold: 'hold', Promote: 'promote' } as const;
/** Union of {@link OnInconclusive} values. */
export type OnInconclusive = (typeof OnInconclusive)[keyof typeof OnInconclusive];

/** Verdicts of the judge as reported on the status. */
export const JudgeVerdict = {
  Pass: 'PASS',
  Fail: 'FAIL',
  Continue: 'CONTINUE',
  Error: 'ERROR',
  Hold: 'HOLD',
} as const;
/** Union of {@link JudgeVerdict} values. */
export type JudgeVerdict = (typeof JudgeVerdict)[keyof typeof JudgeVerdict];

const CompareSchema = Type.Object(
  {
    name: StringEnum(Object.values(JudgedSignal), {
      description:
        'The signal: `error-ratio` (errors per request), `latency-tail` (requests slower than the bucket bound near the primary p99), `latency-body` (near the p90).',
    }),
    failAbove: Type.Optional(
      Type.Number({
        description: 'FAIL when the canary/primary ratio is shown above this (> 0). Default 1.1 (10% worse).',
      }),
    ),
    passBelow: Type.Optional(
      Type.Number({
        description:
          'PASS when the ratio is shown below this (above failAbove); the regression a release must rule out. Default 2 for error-ratio, 1.5 for latency.',
      }),
    ),
    weight: Type.Optional(
      Type.Number({ description: 'Relative share of the false-rollback budget (> 0). Default 1 (equal shares).' }),
    ),
    quantile: Type.Optional(
      Type.Number({
        description:
          'Latency signals only: the primary quantile the frozen boundary stands for, 0.5 ≤ q < 1. Default 0.99 (tail), 0.9 (body).',
      }),
    ),
    zeroEventRate: Type.Optional(
      Type.Number({
        description:
          'PASS when neither arm saw an event in enough canary requests to rule out this absolute rate (0 ≤ r < 1; 0 turns the rule off). Default 0.001.',
      }),
    ),
  },
  { description: 'One signal compared between canary and primary.' },
);

const TrafficSplitSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'Check the split. Default true.' })),
    tolerance: Type.Optional(
      Type.Number({
        description:
          'Relative band around the weight, 0 < τ < 1: a 10% weight with τ 0.3 expects a 7–13% share. Default 0.3.',
      }),
    ),
    falseHoldRate: Type.Optional(
      Type.Number({ description: 'Chance of a false HOLD per step, 0 < r < 1. Default 0.001.' }),
    ),
  },
  {
    description:
      'The traffic-split check: a canary shown to receive a share of requests outside the band around its weight is held at that weight (HOLD, never a rollback on its own).',
  },
);

const TemplateRefSchema = (description: string) =>
  Type.Object(
    {
      name: Type.String({ description: 'Name of the MetricTemplate (provider type prometheus).', minLength: 1 }),
      namespace: Type.Optional(
        Type.String({ description: 'Namespace of the MetricTemplate. Default: the Canary namespace.' }),
      ),
    },
    { description },
  );

const TemplatesSchema = Type.Object(
  {
    requests: Type.Optional(
      TemplateRefSchema(
        'A series selector (no function, no range) of counters of all requests of one arm; needed by error-ratio.',
      ),
    ),
    errors: Type.Optional(
      TemplateRefSchema(
        'A series selector of counters of the failed requests of one arm (e.g. status=~"5.."); needed by error-ratio.',
      ),
    ),
    latency: Type.Optional(
      TemplateRefSchema(
        'A series selector of the `_bucket` series (with `le`, `+Inf` included) of a latency histogram of one arm; needed by latency-tail and latency-body.',
      ),
    ),
    podLabel: Type.Optional(
      Type.String({
        description: 'The label of the returned series that names the pod. Default `kubernetes_pod_name`.',
        minLength: 1,
      }),
    ),
  },
  {
    description:
      'MetricTemplates whose queries return raw counter series, rendered once per arm with `{{ variables.arm }}` (`canary` or `primary`) and `{{ variables.pods }}` (a regex of the arm’s pod names), besides `{{ target }}`, `{{ namespace }}` and the rest.',
  },
);

const SourceSchema = Type.Object(
  { templates: Type.Optional(TemplatesSchema) },
  {
    description:
      'Where the counts come from. Default: the builtin series of the canary’s provider (App Mesh: Envoy’s `envoy_cluster_upstream_rq`; kubernetes and Gateway API: `http_request_duration_seconds`), read from `spec.metricsServer` or the operator’s Prometheus.',
  },
);

/** Schema of `spec.analysis.judge`. */
export const CanaryJudgeSchema = Type.Object(
  {
    falseRollbackRate: Type.Optional(
      Type.Number({
        description:
          'α: chance of rolling back a canary no worse than failAbove × the primary, for the whole release (0 < α < 0.5). Default 0.01.',
      }),
    ),
    missRate: Type.Optional(
      Type.Number({
        description: 'β: per signal, chance of passing a canary passBelow × worse or more (0 < β < 0.5). Default 0.05.',
      }),
    ),
    maxStepDuration: Type.Optional(
      Type.String({
        pattern: NON_NEGATIVE_DURATION_PATTERN,
        description:
          'Longest a step waits for the evidence (a Go duration such as 30m or 2h, at least analysis.interval). Default 30m.',
      }),
    ),
    onInconclusive: Type.Optional(
      StringEnum(Object.values(OnInconclusive), {
        description:
          'When a step reaches maxStepDuration undecided: `fail` rolls back ("insufficient evidence"), `hold` keeps the weight until `serin promote` or `abort`, `promote` advances. Default fail.',
      }),
    ),
    compare: Type.Optional(
      Type.Array(CompareSchema, {
        description: 'The signals to judge, each once. Default: error-ratio, latency-tail and latency-body.',
      }),
    ),
    trafficSplit: Type.Optional(TrafficSplitSchema),
    source: Type.Optional(SourceSchema),
  },
  {
    description:
      'Serin (not in Flagger): compare the canary with the primary on exact request counts, with an anytime-valid sequential test per signal. Steps advance on PASS, roll back on FAIL and wait on CONTINUE up to maxStepDuration. See docs/judge.md.',
  },
);

/** `spec.analysis.judge` of a Canary. */
export type CanaryJudge = Static<typeof CanaryJudgeSchema>;

const ArmCountsSchema = (description: string) =>
  Type.Object(
    {
      requests: Type.Integer({ description: 'Requests counted over the release.', minimum: 0 }),
      events: Type.Integer({ description: 'Of those, the events (errors, or slower than the boundary).', minimum: 0 }),
    },
    { description },
  );

const SignalEvidenceSchema = Type.Object(
  {
    name: StringEnum(Object.values(JudgedSignal), { description: 'The signal.' }),
    verdict: StringEnum(['PASS', 'FAIL', 'CONTINUE', 'ERROR'], { description: 'The signal’s verdict.' }),
    reason: Type.String({ description: 'The decision and why, in one sentence.' }),
    passedBy: Type.Optional(
      StringEnum(['bound', 'plan', 'zero-events'], {
        description: 'How a PASS was reached: the confidence bound, the planned sample, or zero events.',
      }),
    ),
    canary: ArmCountsSchema('The canary’s counts.'),
    primary: ArmCountsSchema('The primary’s counts.'),
    ratio: Type.Optional(
      Type.Number({
        description: 'Estimated canary/primary ratio of event rates; absent before any event, or when infinite.',
      }),
    ),
    lower: Type.Number({ description: 'Anytime-valid lower bound on the ratio at lowerConfidence; 0 when none.' }),
    upper: Type.Optional(
      Type.Number({ description: 'Anytime-valid upper bound at upperConfidence; absent while unbounded.' }),
    ),
    lowerConfidence: Type.Number({ description: 'Confidence of the lower bound, 1 − α of the signal.' }),
    upperConfidence: Type.Number({ description: 'Confidence of the upper bound, 1 − β.' }),
    failAbove: Type.Number({ description: 'The ratio above which the signal fails.' }),
    passBelow: Type.Number({ description: 'The ratio below which the signal passes.' }),
    eFail: Type.Number({ description: 'FAIL e-value; the signal fails when it reaches failThreshold.' }),
    failThreshold: Type.Number({ description: '1/α of the signal.' }),
    ePass: Type.Number({ description: 'PASS e-value; the signal passes when it reaches passThreshold.' }),
    passThreshold: Type.Number({ description: '1/β.' }),
    pValue: Type.Number({ description: 'Anytime p-value of "no worse than failAbove" (display only).' }),
    phi: Type.Number({ description: 'Over-dispersion the test is tempered with (≥ 1).' }),
    boundary: Type.Optional(
      Type.Number({ description: 'Latency signals: the bucket bound `le` frozen before the rollout.' }),
    ),
    needed: Type.Optional(
      Type.Object(
        {
          canaryRequests: Type.Integer({ description: 'Canary requests still needed.', minimum: 0 }),
          seconds: Type.Optional(Type.Number({ description: 'Seconds at the last window’s canary rate.' })),
        },
        { description: 'CONTINUE only: what is still needed to decide.' },
      ),
    ),
    windows: Type.Integer({ description: 'Analysis windows judged.', minimum: 0 }),
  },
  { description: 'Evidence for one signal after the last window.' },
);

const SplitEvidenceSchema = Type.Object(
  {
    verdict: StringEnum(['PASS', 'HOLD'], { description: 'HOLD when the share is shown outside the band.' }),
    reason: Type.String({ description: 'The observed share against the weight, in one sentence.' }),
    weight: Type.Integer({ description: 'The step’s configured canary weight, in percent.' }),
    observedShare: Type.Optional(
      Type.Number({ description: 'The canary’s share of requests in this step; absent before any request.' }),
    ),
    band: Type.Object(
      {
        low: Type.Number({ description: 'Lowest share taken as receiving the weight.' }),
        high: Type.Number({ description: 'Highest share taken as receiving the weight.' }),
      },
      { description: 'The band of shares around the weight.' },
    ),
    canaryRequests: Type.Integer({ description: 'Canary requests in this step.', minimum: 0 }),
    primaryRequests: Type.Integer({ description: 'Primary requests in this step.', minimum: 0 }),
  },
  { description: 'The traffic-split check of the current step.' },
);

/** Schema of `status.judge`. */
export const CanaryJudgeStatusSchema = Type.Object(
  {
    verdict: StringEnum(Object.values(JudgeVerdict), { description: 'The combined verdict of the last window.' }),
    reason: Type.String({ description: 'The combined verdict in one sentence.' }),
    time: Type.String({ format: 'date-time', description: 'When the last window was judged (RFC 3339).' }),
    signals: Type.Array(SignalEvidenceSchema, { description: 'Evidence per judged signal.' }),
    split: Type.Optional(SplitEvidenceSchema),
    startedAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the judge started on this release (RFC 3339).' }),
    ),
    stepStartedAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'When the current weight step began; the step waits for a decision until maxStepDuration after it.',
      }),
    ),
    stepWeight: Type.Optional(
      Type.Integer({ description: 'The canary weight of the current step, in percent.', minimum: 0, maximum: 100 }),
    ),
    state: Type.Optional(
      PreserveUnknown({
        description:
          'The judge’s state carried from window to window (frozen boundaries, φ, per-window counts); for Serin, not for reading.',
      }),
    ),
  },
  {
    description: 'Serin (not in Flagger): the statistical judge’s verdict and evidence after the last analysis window.',
  },
);

/** `status.judge` of a Canary. */
export type CanaryJudgeStatus = Static<typeof CanaryJudgeStatusSchema>;
/** Evidence for one signal. */
export type SignalEvidence = Static<typeof SignalEvidenceSchema>;
/** Evidence of the split check. */
export type SplitEvidence = Static<typeof SplitEvidenceSchema>;
