/**
 * The Canary resource (`canaries.flagger.app`): which workload to roll out progressively, how to
 * route it, how to judge it, and the status Serin reports back.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CanaryAnalysisSchema } from './canary-analysis.js';
import { CanaryJudgeStatusSchema } from './canary-judge.js';
import { CanaryServiceSchema } from './canary-service.js';
import {
  ConditionSchema,
  FLAGGER_GROUP,
  FLAGGER_VERSION,
  ResourceSchema,
  type ResourceDefinition,
  type TResource,
} from './resource.js';
import { StringEnum, StringMap } from './schema-kit.js';

/** Kind of the Canary resource. */
export const CANARY_KIND = 'Canary';
/** Plural (REST path segment) of the Canary resource. */
export const CANARY_PLURAL = 'canaries';

/** Routing providers a Canary may name in `spec.provider`; an unknown name is a validation error. */
export const MeshProvider = {
  Apisix: 'apisix',
  AppMesh: 'appmesh',
  AppMeshV1beta2: 'appmesh:v1beta2',
  Contour: 'contour',
  GatewayApiV1: 'gatewayapi:v1',
  GatewayApiV1beta1: 'gatewayapi:v1beta1',
  Gloo: 'gloo',
  Istio: 'istio',
  Knative: 'knative',
  Kubernetes: 'kubernetes',
  Kuma: 'kuma',
  Linkerd: 'linkerd',
  Nginx: 'nginx',
  Osm: 'osm',
  Skipper: 'skipper',
  SmiV1alpha1: 'smi:v1alpha1',
  SmiV1alpha2: 'smi:v1alpha2',
  SmiV1alpha3: 'smi:v1alpha3',
  Traefik: 'traefik',
} as const;
/** Union of {@link MeshProvider} values. */
export type MeshProvider = (typeof MeshProvider)[keyof typeof MeshProvider];

/** Phases of a canary run; the empty string is a Canary Serin has not looked at yet. */
export const Phase = {
  Unset: '',
  Initializing: 'Initializing',
  Initialized: 'Initialized',
  Waiting: 'Waiting',
  Progressing: 'Progressing',
  WaitingPromotion: 'WaitingPromotion',
  Promoting: 'Promoting',
  Finalising: 'Finalising',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Terminating: 'Terminating',
  Terminated: 'Terminated',
} as const;
/** Union of {@link Phase} values. */
export type Phase = (typeof Phase)[keyof typeof Phase];

function objectRef<const K extends string>(kinds: readonly K[], description: string, withNamespace = false) {
  return Type.Object(
    {
      apiVersion: Type.String({ description: 'API group and version of the referenced object.' }),
      kind: StringEnum(kinds, { description: `Kind of the referenced object: ${kinds.join(', ')}.` }),
      name: Type.String({ description: 'Name of the referenced object, in the Canary namespace.' }),
      ...(withNamespace
        ? { namespace: Type.Optional(Type.String({ description: 'Namespace of the referenced object.' })) }
        : {}),
    },
    { description },
  );
}

const AutoscalerRefSchema = Type.Object(
  {
    apiVersion: Type.String({ description: 'API group and version of the scaler.' }),
    kind: StringEnum(['HorizontalPodAutoscaler', 'ScaledObject'], {
      description: 'Kind of the scaler: HorizontalPodAutoscaler or ScaledObject (KEDA).',
    }),
    name: Type.String({ description: 'Name of the scaler, in the Canary namespace.' }),
    primaryScalerQueries: Type.Optional(
      StringMap(Type.String({ description: 'Query.' }), {
        description: 'KEDA only: trigger name to the query the primary scaler uses instead.',
      }),
    ),
    primaryScalerReplicas: Type.Optional(
      Type.Object(
        {
          minReplicas: Type.Optional(Type.Integer({ description: 'Minimum replicas of the primary.', minimum: 1 })),
          maxReplicas: Type.Optional(Type.Integer({ description: 'Maximum replicas of the primary.', minimum: 1 })),
        },
        { description: 'Replica bounds for the primary scaler instead of the ones copied from the target.' },
      ),
    ),
  },
  { description: 'Autoscaler of the target; Serin creates a matching one for the primary.' },
);

/** Schema of `Canary.spec`. */
export const CanarySpecSchema = Type.Object(
  {
    provider: Type.Optional(
      StringEnum(Object.values(MeshProvider), {
        description: 'Routing provider for this canary; overrides the operator-wide default.',
      }),
    ),
    metricsServer: Type.Optional(
      Type.String({ description: 'Prometheus URL for builtin and inline-query checks; overrides the default.' }),
    ),
    targetRef: objectRef(['DaemonSet', 'Deployment', 'Service'], 'The workload rolled out progressively.'),
    autoscalerRef: Type.Optional(AutoscalerRefSchema),
    ingressRef: Type.Optional(objectRef(['Ingress'], 'NGINX only: the Ingress that routes to the workload.')),
    routeRef: Type.Optional(objectRef(['ApisixRoute'], 'APISIX only: the route that sends traffic to the workload.')),
    upstreamRef: Type.Optional(objectRef(['Upstream'], 'Gloo only: the upstream of the workload.', true)),
    service: Type.Optional(CanaryServiceSchema),
    analysis: CanaryAnalysisSchema,
    progressDeadlineSeconds: Type.Optional(
      Type.Integer({
        description: 'Seconds a rollout may make no progress before it is rolled back. Default 600.',
        minimum: 0,
      }),
    ),
    skipAnalysis: Type.Optional(
      Type.Boolean({ description: 'Promote new revisions without analysis. Default false.' }),
    ),
    revertOnDeletion: Type.Optional(
      Type.Boolean({ description: 'On deletion, give traffic and the workload back to the target. Default false.' }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Pause all processing of this canary. Default false.' })),
  },
  { description: 'What to roll out and how.' },
);

/** Serin's addition to the status: what the last analysis measured, so a rollback explains itself. */
const LastAnalysisSchema = Type.Object(
  {
    time: Type.String({ format: 'date-time', description: 'When the checks ran (RFC 3339).' }),
    checks: Type.Array(
      Type.Object(
        {
          name: Type.String({ description: 'Webhook or metric name from the spec.' }),
          kind: StringEnum(['webhook', 'metric'], { description: 'What was checked.' }),
          passed: Type.Boolean({ description: 'Whether the check passed.' }),
          value: Type.Optional(
            Type.Number({ description: 'The measured value (metrics; success rate in %, duration in ms).' }),
          ),
          message: Type.Optional(
            Type.String({ description: 'Why it failed: the bound crossed, no data, or the error.' }),
          ),
        },
        { description: 'One check and its outcome.' },
      ),
      { description: 'Checks in the order they ran, up to the first failure.' },
    ),
  },
  { description: 'Serin (not in Flagger): the checks of the last analysis tick and their measured values.' },
);

/** Schema of `Canary.status`, written by Serin only. */
export const CanaryStatusSchema = Type.Object(
  {
    phase: Type.Optional(StringEnum(Object.values(Phase), { description: 'Phase of the current run.' })),
    failedChecks: Type.Optional(Type.Integer({ description: 'Failed checks counted in the current run.' })),
    canaryWeight: Type.Optional(Type.Integer({ description: 'Last weight (percent) Serin set for the canary.' })),
    iterations: Type.Optional(Type.Integer({ description: 'Analysis steps completed in the current run.' })),
    trackedConfigs: Type.Optional(
      StringMap(Type.String({ description: 'Checksum of the content.' }), {
        description:
          'ConfigMaps and Secrets the target uses (`configmap/<name>`, `secret/<name>`) and their checksums.',
      }),
    ),
    lastAppliedSpec: Type.Optional(Type.String({ description: 'Hash of the target revision last seen.' })),
    lastPromotedSpec: Type.Optional(Type.String({ description: 'Hash of the target revision last promoted.' })),
    lastTransitionTime: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the status was last written (RFC 3339).' }),
    ),
    sessionAffinityCookie: Type.Optional(Type.String({ description: 'Cookie pinning users to the current canary.' })),
    primarySessionAffinityCookie: Type.Optional(Type.String({ description: 'Cookie pinning users to the primary.' })),
    previousSessionAffinityCookie: Type.Optional(
      Type.String({ description: 'Canary cookie of the previous run, expired by Serin.' }),
    ),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        description:
          "Conditions of the canary: Flagger's `Promoted`, and Serin's `Reconciled` (False while Serin cannot work with the Canary, with the problem and its fix).",
      }),
    ),
    lastAnalysis: Type.Optional(LastAnalysisSchema),
    judge: Type.Optional(CanaryJudgeStatusSchema),
  },
  { description: 'What Serin observed and did, written through the status subresource.' },
);

/** Schema of a whole Canary object. */
export const CanarySchema: TResource<typeof CanarySpecSchema, typeof CanaryStatusSchema> = ResourceSchema(
  'A progressive rollout of one workload: its routing, its analysis and its observed state.',
  CanarySpecSchema,
  CanaryStatusSchema,
);

/** A Canary object. */
export type Canary = Static<typeof CanarySchema>;
/** `spec` of a Canary. */
export type CanarySpec = Static<typeof CanarySpecSchema>;
/** `status` of a Canary. */
export type CanaryStatus = Static<typeof CanaryStatusSchema>;

/** CRD definition of `canaries.flagger.app`. */
export const CanaryDefinition: ResourceDefinition<typeof CanarySchema> = {
  group: FLAGGER_GROUP,
  version: FLAGGER_VERSION,
  names: { kind: CANARY_KIND, listKind: 'CanaryList', plural: CANARY_PLURAL, singular: 'canary' },
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    { name: 'Weight', type: 'string', jsonPath: '.status.canaryWeight' },
    { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend', priority: 1 },
    { name: 'FailedChecks', type: 'string', jsonPath: '.status.failedChecks', priority: 1 },
    { name: 'Interval', type: 'string', jsonPath: '.spec.analysis.interval', priority: 1 },
    { name: 'Mirror', type: 'boolean', jsonPath: '.spec.analysis.mirror', priority: 1 },
    { name: 'StepWeight', type: 'string', jsonPath: '.spec.analysis.stepWeight', priority: 1 },
    { name: 'StepWeights', type: 'string', jsonPath: '.spec.analysis.stepWeights', priority: 1 },
    { name: 'MaxWeight', type: 'string', jsonPath: '.spec.analysis.maxWeight', priority: 1 },
    { name: 'LastTransitionTime', type: 'string', jsonPath: '.status.lastTransitionTime' },
  ],
  schema: CanarySchema,
};
