/**
 * Schema of `Canary.spec.analysis`: the schedule, the traffic ladder and the checks that decide
 * whether a canary is promoted or rolled back.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CanaryJudgeSchema } from './canary-judge.js';
import { StringMatch } from './canary-match.js';
import { CelRules, Duration, OneOfRequired, Percent, StringEnum, StringMap } from './schema-kit.js';

/** Webhook types; the empty string means `rollout`. */
export const WebhookType = {
  Default: '',
  ConfirmRollout: 'confirm-rollout',
  PreRollout: 'pre-rollout',
  Rollout: 'rollout',
  ConfirmTrafficIncrease: 'confirm-traffic-increase',
  ConfirmPromotion: 'confirm-promotion',
  PostRollout: 'post-rollout',
  Rollback: 'rollback',
  Event: 'event',
} as const;
/** Union of {@link WebhookType} values. */
export type WebhookType = (typeof WebhookType)[keyof typeof WebhookType];

/** Alert severities; the empty string means `info`. */
export const AlertSeverity = { Default: '', Info: 'info', Warn: 'warn', Error: 'error' } as const;
/** Union of {@link AlertSeverity} values. */
export type AlertSeverity = (typeof AlertSeverity)[keyof typeof AlertSeverity];

/** Schema of one `analysis.metrics[]` entry. */
export const CanaryMetricSchema = Type.Object(
  {
    name: Type.String({
      description:
        'Name of the check. `request-success-rate` and `request-duration` select the builtin checks; other names need `templateRef` or `query`.',
    }),
    interval: Type.Optional(
      Duration({
        description: 'Time window of the query (`{{ interval }}`), e.g. `1m`. Default `1m` for builtin checks.',
      }),
    ),
    threshold: Type.Optional(Type.Number({ description: 'Deprecated single threshold; prefer `thresholdRange`.' })),
    thresholdRange: Type.Optional(
      Type.Object(
        {
          min: Type.Optional(Type.Number({ description: 'The check fails when the value is below this.' })),
          max: Type.Optional(Type.Number({ description: 'The check fails when the value is above this.' })),
        },
        { description: 'Accepted range of the measured value; either bound may be left open.' },
      ),
    ),
    query: Type.Optional(
      Type.String({ description: 'Deprecated inline PromQL query, run against the metrics server.' }),
    ),
    templateRef: Type.Optional(
      Type.Object(
        {
          name: Type.String({ description: 'Name of the MetricTemplate.' }),
          namespace: Type.Optional(
            Type.String({ description: 'Namespace of the MetricTemplate. Default: the Canary namespace.' }),
          ),
        },
        { description: 'MetricTemplate that supplies the query and the metrics provider.' },
      ),
    ),
    templateVariables: Type.Optional(
      StringMap(Type.String({ description: 'Variable value.' }), {
        description: 'Extra values for the template, available as `{{ variables.<key> }}`.',
      }),
    ),
  },
  { description: 'A metric check run at every analysis interval.' },
);

/** Schema of one `analysis.webhooks[]` entry. */
export const CanaryWebhookSchema = Type.Object(
  {
    name: Type.String({ description: 'Name of the webhook, used in events.' }),
    type: Type.Optional(
      StringEnum(Object.values(WebhookType), {
        description: 'When the webhook is called and what its answer means. Default (empty) is `rollout`.',
      }),
    ),
    url: Type.String({ description: 'URL the webhook payload is POSTed to.' }),
    timeout: Type.Optional(Duration({ description: 'Timeout of each HTTP attempt, e.g. `30s`. Default `10s`.' })),
    retries: Type.Optional(Type.Integer({ description: 'Extra attempts after a failed call. Default 0.', minimum: 0 })),
    disableTLS: Type.Optional(Type.Boolean({ description: 'Skip TLS certificate verification. Default false.' })),
    muteAlert: Type.Optional(
      Type.Boolean({ description: 'Do not send "waiting for approval" alerts for this gate. Default false.' }),
    ),
    metadata: Type.Optional(
      StringMap(Type.String({ description: 'Value.' }), { description: 'Key-value pairs passed in the payload.' }),
    ),
  },
  { description: 'An HTTP hook called at a given point of the rollout.' },
);

/** Schema of one `analysis.alerts[]` entry. */
export const CanaryAlertSchema = Type.Object(
  {
    name: Type.String({ description: 'Name of the alert.' }),
    severity: Type.Optional(
      StringEnum(Object.values(AlertSeverity), {
        description: 'Lowest severity of events sent: info, warn or error. Default (empty) is info.',
      }),
    ),
    providerRef: Type.Object(
      {
        name: Type.String({ description: 'Name of the AlertProvider.' }),
        namespace: Type.Optional(
          Type.String({ description: 'Namespace of the AlertProvider. Default: the Canary namespace.' }),
        ),
      },
      { description: 'The AlertProvider that delivers the messages.' },
    ),
  },
  { description: 'Where to send notifications about this canary.' },
);

const AbMatchSchema = Type.Object(
  {
    headers: Type.Optional(
      StringMap(
        StringMatch(['exact', 'prefix', 'suffix', 'regex'], 'exactly-one', { description: 'Matcher for one header.' }),
        { description: 'Header name to matcher; all must match.' },
      ),
    ),
    queryParams: Type.Optional(
      StringMap(
        StringMatch(['exact', 'prefix', 'regex'], 'at-most-one', { description: 'Matcher for one parameter.' }),
        {
          description: 'Query parameter name to matcher; all must match.',
        },
      ),
    ),
    sourceLabels: Type.Optional(
      StringMap(Type.String({ description: 'Label value.' }), {
        description: 'Istio: matches only requests from workloads with these labels (needs the `mesh` gateway).',
      }),
    ),
  },
  { description: 'A condition that sends a request to the canary during A/B testing.' },
);

const SessionAffinitySchema = Type.Object(
  {
    cookieName: Type.String({ description: 'Name of the cookie that pins a user to the canary.', minLength: 1 }),
    primaryCookieName: Type.Optional(
      Type.String({
        description: 'Name of the cookie that pins a user to the primary; must differ from `cookieName`.',
      }),
    ),
    domain: Type.Optional(Type.String({ description: 'Domain attribute of the cookies.' })),
    path: Type.Optional(Type.String({ description: 'Path attribute of the cookies.' })),
    maxAge: Type.Optional(
      Type.Integer({ description: 'Lifetime of the cookies in seconds. Default 86400 (one day).', default: 86400 }),
    ),
    httpOnly: Type.Optional(Type.Boolean({ description: 'Hide the cookies from JavaScript.' })),
    secure: Type.Optional(Type.Boolean({ description: 'Send the cookies over HTTPS only.' })),
    partitioned: Type.Optional(Type.Boolean({ description: 'Store the cookies in partitioned storage (CHIPS).' })),
    sameSite: Type.Optional(
      StringEnum(['Strict', 'Lax', 'None'], { description: 'SameSite attribute of the cookies.' }),
    ),
  },
  {
    description: 'Keep each user on the side (canary or primary) it first reached, by cookie (Istio, Gateway API).',
    ...CelRules({
      rule: '!has(self.primaryCookieName) || self.primaryCookieName != self.cookieName',
      message: 'primaryCookieName must differ from cookieName',
      fieldPath: '.primaryCookieName',
      check: (self) => self.primaryCookieName === undefined || self.primaryCookieName !== self.cookieName,
    }),
  },
);

/** Schema of `spec.analysis`. */
export const CanaryAnalysisSchema = Type.Object(
  {
    interval: Type.Optional(
      Duration({ description: 'Time between two analysis steps, e.g. `1m`. Values under 10s count as 10s.' }),
    ),
    threshold: Type.Optional(
      Type.Integer({ description: 'Failed checks tolerated before rollback; 0 counts as 1.', minimum: 0 }),
    ),
    iterations: Type.Optional(
      Type.Integer({
        description: 'Number of analysis steps for blue/green, or A/B testing when `match` is set.',
        minimum: 0,
      }),
    ),
    maxWeight: Type.Optional(
      Percent({ description: 'Canary weight (percent) at which promotion starts. Default 100.' }),
    ),
    stepWeight: Type.Optional(
      Percent({ description: 'Canary weight added at each step (percent); wins over `stepWeights` when above 0.' }),
    ),
    stepWeights: Type.Optional(
      Type.Array(Percent({ description: 'Canary weight of one step (percent).' }), {
        description: 'Explicit weight ladder, e.g. [1, 10, 50, 80].',
      }),
    ),
    stepWeightPromotion: Type.Optional(
      Percent({ description: 'Weight moved back to the primary per step while promoting; 0 moves it at once.' }),
    ),
    mirror: Type.Optional(
      Type.Boolean({ description: 'Mirror traffic to the canary before shifting it (Istio, Gateway API).' }),
    ),
    mirrorWeight: Type.Optional(Percent({ description: 'Istio: percent of requests mirrored to the canary.' })),
    primaryReadyThreshold: Type.Optional(
      Percent({ description: 'Percent of primary pods that must be available for it to count as ready. Default 100.' }),
    ),
    canaryReadyThreshold: Type.Optional(
      Percent({ description: 'Percent of canary pods that must be available for it to count as ready. Default 100.' }),
    ),
    match: Type.Optional(
      Type.Array(AbMatchSchema, { description: 'A/B testing conditions; with `iterations` selects A/B testing.' }),
    ),
    sessionAffinity: Type.Optional(SessionAffinitySchema),
    metrics: Type.Optional(Type.Array(CanaryMetricSchema, { description: 'Metric checks run at every step.' })),
    webhooks: Type.Optional(
      Type.Array(CanaryWebhookSchema, { description: 'Hooks called before, during and after the rollout.' }),
    ),
    alerts: Type.Optional(Type.Array(CanaryAlertSchema, { description: 'Notifications about this canary.' })),
    judge: Type.Optional(CanaryJudgeSchema),
  },
  {
    description:
      'How the canary is judged. Needs `interval`, `threshold` and exactly one of `iterations`, `stepWeight` or `stepWeights`.',
    ...OneOfRequired([
      ['interval', 'threshold', 'iterations'],
      ['interval', 'threshold', 'stepWeight'],
      ['interval', 'threshold', 'stepWeights'],
    ]),
  },
);

/** `spec.analysis` of a Canary. */
export type CanaryAnalysis = Static<typeof CanaryAnalysisSchema>;
/** One metric check. */
export type CanaryMetric = Static<typeof CanaryMetricSchema>;
/** One webhook. */
export type CanaryWebhook = Static<typeof CanaryWebhookSchema>;
/** One alert. */
export type CanaryAlert = Static<typeof CanaryAlertSchema>;
/** Session affinity settings. */
export type SessionAffinity = Static<typeof SessionAffinitySchema>;
