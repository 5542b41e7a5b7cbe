/**
 * Serin's view of Flagger's API (`flagger.app/v1beta1`): types, runtime validators and CRDs of
 * Canary, MetricTemplate and AlertProvider, all from one definition per kind.
 */
export {
  FLAGGER_API_VERSION,
  FLAGGER_GROUP,
  FLAGGER_VERSION,
  ConditionStatus,
  type Condition,
  type ObjectMeta,
  type PrinterColumn,
  type ResourceDefinition,
  type ResourceNames,
} from './resource.js';
export {
  COMMAND_ANNOTATION,
  CanaryCommands,
  PAUSED_ANNOTATION,
  requestedCommand,
  type CanaryCommand,
} from './annotations.js';
export {
  CANARY_KIND,
  CANARY_PLURAL,
  CanaryDefinition,
  CanarySchema,
  MeshProvider,
  Phase,
  type Canary,
  type CanarySpec,
  type CanaryStatus,
} from './canary.js';
export {
  AlertSeverity,
  WebhookType,
  type CanaryAlert,
  type CanaryAnalysis,
  type CanaryMetric,
  type CanaryWebhook,
  type SessionAffinity,
} from './canary-analysis.js';
export {
  CanaryJudgeSchema,
  CanaryJudgeStatusSchema,
  JudgedSignal,
  JudgeVerdict,
  OnInconclusive,
  type CanaryJudge,
  type CanaryJudgeStatus,
  type SignalEvidence,
  type SplitEvidence,
} from './canary-judge.js';
export {
  CANARY_JUDGE_DEFAULTS,
  judgeIssues,
  judgeSpecOf,
  judgeStatusOf,
  resolveCanaryJudge,
  type CanaryJudgeSettings,
  type JudgeSource,
  type JudgeTemplateRef,
} from './judge-settings.js';
export type { CanaryService } from './canary-service.js';
export { WebhookPayloadSchema, type WebhookPayload } from './webhook-payload.js';
export type { HttpMatchRequest } from './canary-match.js';
export {
  METRIC_TEMPLATE_KIND,
  METRIC_TEMPLATE_PLURAL,
  MetricProviderType,
  MetricTemplateDefinition,
  MetricTemplateSchema,
  type MetricTemplate,
  type MetricTemplateSpec,
} from './metric-template.js';
export {
  ALERT_PROVIDER_KIND,
  ALERT_PROVIDER_PLURAL,
  AlertProviderDefinition,
  AlertProviderSchema,
  AlertProviderType,
  type AlertProvider,
  type AlertProviderSpec,
} from './alert-provider.js';
export {
  assertStructural,
  toCustomResourceDefinition,
  toPlainSchema,
  type CustomResourceDefinition,
  type JsonSchema,
} from './crd.js';
export {
  createSchemaValidator,
  createValidators,
  formatIssues,
  type UnknownFieldPolicy,
  type ValidationIssue,
  type ValidationResult,
  type ValidatorOptions,
  type Validators,
} from './validate.js';
