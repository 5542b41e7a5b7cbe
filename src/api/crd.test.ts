import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { AlertProviderDefinition } from './alert-provider.js';
import { CanaryDefinition } from './canary.js';
import { assertStructural, toCustomResourceDefinition, toPlainSchema, type JsonSchema } from './crd.js';
import { MetricTemplateDefinition } from './metric-template.js';
import type { ResourceDefinition } from './resource.js';

const DEFINITIONS: readonly ResourceDefinition[] = [
  CanaryDefinition,
  MetricTemplateDefinition,
  AlertProviderDefinition,
];

function schemaOf(def: ResourceDefinition): JsonSchema {
  const version = toCustomResourceDefinition(def).spec.versions[0];
  assert.ok(version);
  return version.schema.openAPIV3Schema;
}

/** Follows `properties` (and `items` for `[]`) down a dotted path such as `spec.analysis.stepWeights[]`. */
function at(schema: JsonSchema, path: string): JsonSchema {
  let node = schema;
  for (const part of path.split('.')) {
    const name = part.replace(/\[\]$/, '');
    node = (node.properties as Record<string, JsonSchema>)[name] as JsonSchema;
    assert.ok(node, `no field ${name} in ${path}`);
    if (part.endsWith('[]')) node = node.items as JsonSchema;
  }
  return node;
}

const canary = schemaOf(CanaryDefinition);

test('all three schemas pass the structural-schema check', () => {
  for (const def of DEFINITIONS) assert.doesNotThrow(() => assertStructural(schemaOf(def)), def.names.kind);
});

test('assertStructural names the field that uses const', () => {
  const schema = toPlainSchema(Type.Object({ spec: Type.Object({ mode: Type.String() }) }));
  ((schema.properties as Record<string, JsonSchema>).spec!.properties as Record<string, JsonSchema>).mode = {
    type: 'string',
    const: 'fast',
  };
  assert.throws(() => assertStructural(schema), /spec\.mode: "const" is not allowed/);
});

test('assertStructural names the field that uses patternProperties', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: { labels: { type: 'object', patternProperties: { '^a': { type: 'string' } } } },
  };
  assert.throws(() => assertStructural(schema), /labels: "patternProperties" is not allowed/);
});

test('assertStructural rejects properties next to additionalProperties, and untyped fields', () => {
  const mixed: JsonSchema = {
    type: 'object',
    properties: {
      m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
    },
  };
  assert.throws(() => assertStructural(mixed), /m: properties and additionalProperties/);
  const untyped: JsonSchema = { type: 'object', properties: { x: { description: 'no type' } } };
  assert.throws(() => assertStructural(untyped), /x: every field needs a type/);
});

test('assertStructural rejects anything on metadata beyond its type', () => {
  const schema: JsonSchema = { type: 'object', properties: { metadata: { type: 'object', description: 'meta' } } };
  assert.throws(() => assertStructural(schema), /metadata: must be a bare type: object.*description/);
});

test('assertStructural rejects a oneOf that requires an undeclared field', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: { a: { type: 'string' } },
    oneOf: [{ required: ['a'] }, { required: ['b'] }],
  };
  assert.throws(() => assertStructural(schema), /oneOf\[1\]\): refers to b/);
});

test('toPlainSchema turns TypeBox-only keywords into Kubernetes ones and drops symbols and $id', () => {
  const plain = toPlainSchema(
    Type.Object(
      {
        mode: Type.Union([Type.Literal('fast'), Type.Literal('safe')]),
        only: Type.Literal('x'),
        labels: Type.Record(Type.String(), Type.String()),
        strict: Type.Object({ a: Type.String() }, { additionalProperties: false }),
      },
      { $id: 'Thing' },
    ),
  );
  assert.deepEqual(plain, {
    type: 'object',
    required: ['mode', 'only', 'labels', 'strict'],
    properties: {
      mode: { type: 'string', enum: ['fast', 'safe'] },
      only: { type: 'string', enum: ['x'] },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      strict: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
    },
  });
  assert.equal(Object.getOwnPropertySymbols(plain).length, 0);
});

test('the CRDs are namespaced flagger.app/v1beta1 kinds in category all, kept by Helm, with a status subresource', () => {
  const expected = [
    ['canaries.flagger.app', 'Canary', 'CanaryList', 'canary'],
    ['metrictemplates.flagger.app', 'MetricTemplate', 'MetricTemplateList', 'metrictemplate'],
    ['alertproviders.flagger.app', 'AlertProvider', 'AlertProviderList', 'alertprovider'],
  ];
  DEFINITIONS.forEach((def, i) => {
    const crd = toCustomResourceDefinition(def);
    const [name, kind, listKind, singular] = expected[i] ?? [];
    assert.equal(crd.metadata.name, name);
    assert.deepEqual(crd.metadata.annotations, { 'helm.sh/resource-policy': 'keep' });
    assert.equal(crd.spec.group, 'flagger.app');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, { kind, listKind, plural: name?.split('.')[0], singular, categories: ['all'] });
    assert.equal(crd.spec.versions.length, 1);
    const version = crd.spec.versions[0];
    assert.deepEqual([version?.name, version?.served, version?.storage], ['v1beta1', true, true]);
    assert.deepEqual(version?.subresources, { status: {} });
  });
});

test('Canary printer columns are exactly those of flagger-spec §1.1', () => {
  const table = [
    ['Status', '.status.phase', 'string', 0],
    ['Weight', '.status.canaryWeight', 'string', 0],
    ['Suspended', '.spec.suspend', 'boolean', 1],
    ['FailedChecks', '.status.failedChecks', 'string', 1],
    ['Interval', '.spec.analysis.interval', 'string', 1],
    ['Mirror', '.spec.analysis.mirror', 'boolean', 1],
    ['StepWeight', '.spec.analysis.stepWeight', 'string', 1],
    ['StepWeights', '.spec.analysis.stepWeights', 'string', 1],
    ['MaxWeight', '.spec.analysis.maxWeight', 'string', 1],
    ['LastTransitionTime', '.status.lastTransitionTime', 'string', 0],
  ];
  const columns = toCustomResourceDefinition(CanaryDefinition).spec.versions[0]?.additionalPrinterColumns ?? [];
  assert.deepEqual(
    columns.map((c) => [c.name, c.jsonPath, c.type, c.priority ?? 0]),
    table,
  );
});

test('MetricTemplate shows its provider type and AlertProvider its type as printer columns', () => {
  const columnsOf = (def: ResourceDefinition) =>
    toCustomResourceDefinition(def).spec.versions[0]?.additionalPrinterColumns;
  assert.deepEqual(columnsOf(MetricTemplateDefinition), [
    { name: 'Provider', type: 'string', jsonPath: '.spec.provider.type' },
  ]);
  assert.deepEqual(columnsOf(AlertProviderDefinition), [{ name: 'Type', type: 'string', jsonPath: '.spec.type' }]);
});

test('Canary spec requires targetRef and analysis, and analysis needs one of the three step modes', () => {
  assert.deepEqual(at(canary, 'spec').required, ['targetRef', 'analysis']);
  assert.deepEqual(at(canary, 'spec.analysis').oneOf, [
    { required: ['interval', 'threshold', 'iterations'] },
    { required: ['interval', 'threshold', 'stepWeight'] },
    { required: ['interval', 'threshold', 'stepWeights'] },
  ]);
  assert.deepEqual(at(canary, 'spec.targetRef').required, ['apiVersion', 'kind', 'name']);
});

test('Canary enums match flagger-spec §1.1', () => {
  assert.deepEqual(at(canary, 'spec.provider').enum, [
    'apisix',
    'appmesh',
    'appmesh:v1beta2',
    'contour',
    'gatewayapi:v1',
    'gatewayapi:v1beta1',
    'gloo',
    'istio',
    'knative',
    'kubernetes',
    'kuma',
    'linkerd',
    'nginx',
    'osm',
    'skipper',
    'smi:v1alpha1',
    'smi:v1alpha2',
    'smi:v1alpha3',
    'traefik',
  ]);
  assert.deepEqual(at(canary, 'spec.targetRef.kind').enum, ['DaemonSet', 'Deployment', 'Service']);
  assert.deepEqual(at(canary, 'spec.autoscalerRef.kind').enum, ['HorizontalPodAutoscaler', 'ScaledObject']);
  assert.deepEqual(
    new Set(at(canary, 'spec.analysis.webhooks[].type').enum as string[]),
    new Set([
      '',
      'confirm-rollout',
      'pre-rollout',
      'rollout',
      'confirm-traffic-increase',
      'confirm-promotion',
      'post-rollout',
      'rollback',
      'event',
    ]),
  );
  assert.deepEqual(at(canary, 'spec.analysis.alerts[].severity').enum, ['', 'info', 'warn', 'error']);
  assert.deepEqual(at(canary, 'status.phase').enum, [
    '',
    'Initializing',
    'Initialized',
    'Waiting',
    'Progressing',
    'WaitingPromotion',
    'Promoting',
    'Finalising',
    'Succeeded',
    'Failed',
    'Terminating',
    'Terminated',
  ]);
  assert.deepEqual(at(canary, 'spec.service.trafficDistribution').enum, [
    'PreferClose',
    'PreferSameZone',
    'PreferSameNode',
  ]);
});

test('Canary carries the CRD defaults and Flagger duration patterns', () => {
  assert.equal(at(canary, 'spec.service.gatewayRefs[].group').default, 'gateway.networking.k8s.io');
  assert.equal(at(canary, 'spec.service.gatewayRefs[].kind').default, 'Gateway');
  assert.equal(at(canary, 'spec.service.gatewayRefs').maxItems, 32);
  assert.equal(at(canary, 'spec.analysis.sessionAffinity.maxAge').default, 86400);
  for (const path of [
    'spec.analysis.interval',
    'spec.analysis.metrics[].interval',
    'spec.analysis.webhooks[].timeout',
  ]) {
    assert.equal(at(canary, path).pattern, '^[0-9]+(m|s)', path);
  }
  assert.equal(at(canary, 'spec.service.targetPort')['x-kubernetes-int-or-string'], true);
});

test('Serin bounds weights to 0..100 and counts to >= 0', () => {
  for (const path of [
    'maxWeight',
    'stepWeight',
    'stepWeights[]',
    'stepWeightPromotion',
    'primaryReadyThreshold',
    'canaryReadyThreshold',
    'mirrorWeight',
  ]) {
    const node = at(canary, `spec.analysis.${path}`);
    assert.deepEqual([node.type, node.minimum, node.maximum], ['integer', 0, 100], path);
  }
  for (const path of ['spec.analysis.threshold', 'spec.analysis.iterations', 'spec.progressDeadlineSeconds']) {
    assert.deepEqual([at(canary, path).type, at(canary, path).minimum], ['integer', 0], path);
  }
});

test('MetricTemplate and AlertProvider enums and rules match flagger-spec §1.2 and §1.3', () => {
  const template = schemaOf(MetricTemplateDefinition);
  assert.deepEqual(at(template, 'spec').required, ['provider', 'query']);
  assert.deepEqual(at(template, 'spec.provider.type').enum, [
    'prometheus',
    'influxdb',
    'datadog',
    'externalmetrics',
    'stackdriver',
    'cloudwatch',
    'newrelic',
    'graphite',
    'dynatrace',
    'keptn',
    'splunk',
  ]);
  const provider = schemaOf(AlertProviderDefinition);
  assert.deepEqual(at(provider, 'spec.type').enum, ['slack', 'msteams', 'discord', 'rocket', 'gchat']);
  assert.deepEqual(at(provider, 'spec').oneOf, [
    { required: ['type', 'address'] },
    { required: ['type', 'secretRef'] },
  ]);
});

test('every field in the three CRDs has a description', () => {
  const missing: string[] = [];
  const walk = (node: JsonSchema, path: string): void => {
    const exempt = path.endsWith('.metadata'); // the apiserver forbids describing metadata
    if (!exempt && (typeof node.description !== 'string' || node.description.length === 0)) missing.push(path);
    for (const [name, sub] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>))
      walk(sub, `${path}.${name}`);
    if (node.items) walk(node.items as JsonSchema, `${path}[]`);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties as JsonSchema, `${path}{}`);
  };
  for (const def of DEFINITIONS) walk(schemaOf(def), def.names.kind);
  assert.deepEqual(missing, []);
});
