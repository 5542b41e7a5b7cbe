/**
 * The MetricTemplate resource (`metrictemplates.flagger.app`): a reusable metrics query and the
 * provider that answers it, referenced from `Canary.spec.analysis.metrics[].templateRef`.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  ConditionSchema,
  FLAGGER_GROUP,
  FLAGGER_VERSION,
  ResourceSchema,
  type ResourceDefinition,
  type TResource,
} from './resource.js';
import { StringEnum, StringMap } from './schema-kit.js';

/** Kind of the MetricTemplate resource. */
export const METRIC_TEMPLATE_KIND = 'MetricTemplate';
/** Plural (REST path segment) of the MetricTemplate resource. */
export const METRIC_TEMPLATE_PLURAL = 'metrictemplates';

/** Metrics backends a MetricTemplate may query; an unknown type is a validation error. */
export const MetricProviderType = {
  Prometheus: 'prometheus',
  InfluxDb: 'influxdb',
  Datadog: 'datadog',
  ExternalMetrics: 'externalmetrics',
  Stackdriver: 'stackdriver',
  CloudWatch: 'cloudwatch',
  NewRelic: 'newrelic',
  Graphite: 'graphite',
  Dynatrace: 'dynatrace',
  Keptn: 'keptn',
  Splunk: 'splunk',
} as const;
/** Union of {@link MetricProviderType} values. */
export type MetricProviderType = (typeof MetricProviderType)[keyof typeof MetricProviderType];

/** Schema of `MetricTemplate.spec`. */
export const MetricTemplateSpecSchema = Type.Object(
  {
    provider: Type.Object(
      {
        type: StringEnum(Object.values(MetricProviderType), { description: 'Kind of metrics backend.' }),
        address: Type.Optional(Type.String({ description: 'Base URL of the backend API.' })),
        headers: Type.Optional(
          StringMap(Type.Array(Type.String({ description: 'Header value.' }), { description: 'Header values.' }), {
            description: 'Extra HTTP headers sent with each query (Prometheus: they replace the default set).',
          }),
        ),
        secretRef: Type.Optional(
          Type.Object(
            { name: Type.String({ description: 'Name of the Secret.' }) },
            { description: 'Secret in the template namespace holding the backend credentials.' },
          ),
        ),
        region: Type.Optional(Type.String({ description: 'CloudWatch only: AWS region (required there).' })),
        insecureSkipVerify: Type.Optional(
          Type.Boolean({ description: 'Skip TLS certificate verification of the backend. Default false.' }),
        ),
      },
      { description: 'The backend that runs the query.' },
    ),
    query: Type.String({
      description: 'Query text; a Go-style template with `{{ name }}`, `{{ namespace }}`, `{{ interval }}` and more.',
    }),
  },
  { description: 'The query and where to run it.' },
);

/** Schema of `MetricTemplate.status`; declared for compatibility, not written. */
export const MetricTemplateStatusSchema = Type.Object(
  { conditions: Type.Optional(Type.Array(ConditionSchema, { description: 'Conditions; unused.' })) },
  { description: 'Observed state; declared for compatibility, Serin does not write it.' },
);

/** Schema of a whole MetricTemplate object. */
export const MetricTemplateSchema: TResource<typeof MetricTemplateSpecSchema, typeof MetricTemplateStatusSchema> =
  ResourceSchema(
    'A reusable metrics query and the backend that answers it.',
    MetricTemplateSpecSchema,
    MetricTemplateStatusSchema,
  );

/** A MetricTemplate object. */
export type MetricTemplate = Static<typeof MetricTemplateSchema>;
/** `spec` of a MetricTemplate. */
export type MetricTemplateSpec = Static<typeof MetricTemplateSpecSchema>;

/** CRD definition of `metrictemplates.flagger.app`. */
export const MetricTemplateDefinition: ResourceDefinition<typeof MetricTemplateSchema> = {
  group: FLAGGER_GROUP,
  version: FLAGGER_VERSION,
  names: {
    kind: METRIC_TEMPLATE_KIND,
    listKind: 'MetricTemplateList',
    plural: METRIC_TEMPLATE_PLURAL,
    singular: 'metrictemplate',
  },
  printerColumns: [{ name: 'Provider', type: 'string', jsonPath: '.spec.provider.type' }],
  schema: MetricTemplateSchema,
};
