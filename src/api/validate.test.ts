import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { createValidators, formatIssues, type ValidationIssue, type ValidationResult } from './validate.js';

/** The seed's Canary (flagger-on-eks-appmesh.md) with its placeholders filled. */
const SEED_CANARY = `
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: account, namespace: shop}
spec:
  provider: appmesh:v1beta2
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: account}
  progressDeadlineSeconds: 300
  autoscalerRef: {apiVersion: autoscaling/v2beta2, kind: HorizontalPodAutoscaler, name: account}
  service:
    port: 8180
    backends:
      - arn:aws:appmesh:ap-northeast-2:170247361816:mesh/global/virtualService/mariadb-shop.shop-infra
  skipAnalysis: false
  analysis:
    interval: 30s
    threshold: 3
    maxWeight: 80
    stepWeight: 20
    metrics:
    - name: request-success-rate
      thresholdRange: {min: 99}
      interval: 1m
    - name: request-duration
      thresholdRange: {max: 500}
      interval: 30s
    alerts:
      - name: "dev team Slack"
        severity: info
        providerRef: {name: on-call, namespace: shop}
    webhooks:
    - name: acceptance-test
      type: rollout
      url: http://flagger-loadtester.shop/
      timeout: 60s
      metadata: {type: bash, cmd: "curl -X GET http://account-canary.shop:8180/v1/accounts/events"}
`;

type Json = Record<string, unknown>;

function seedCanary(): Json {
  return parse(SEED_CANARY) as Json;
}

/** The seed Canary with `edit` applied to its spec. */
function canaryWith(edit: (spec: Json) => void): Json {
  const canary = seedCanary();
  edit(canary.spec as Json);
  return canary;
}

function analysisOf(spec: Json): Json {
  return spec.analysis as Json;
}

function issuesOf(result: ValidationResult<unknown>): readonly ValidationIssue[] {
  assert.equal(result.ok, false, 'expected the object to be rejected');
  return result.ok ? [] : result.issues;
}

/** Asserts that exactly one issue names `path` and that its message contains every fragment. */
function assertIssue(result: ValidationResult<unknown>, path: string, ...fragments: string[]): void {
  const issues = issuesOf(result);
  const matching = issues.filter((issue) => issue.path === path);
  assert.equal(matching.length, 1, `expected one issue at ${path}, got:\n${formatIssues(issues)}`);
  for (const fragment of fragments) assert.match(matching[0]?.message ?? '', new RegExp(escape(fragment)));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const validators = createValidators();

test("accepts the seed's App Mesh Canary as it is", () => {
  const result = validators.canary(seedCanary());
  assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
  assert.equal(result.value.spec.analysis.stepWeight, 20);
  assert.equal(result.value.spec.analysis.metrics?.[0]?.thresholdRange?.min, 99);
});

test("accepts the seed's Slack AlertProvider", () => {
  const result = validators.alertProvider({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'AlertProvider',
    metadata: { name: 'on-call', namespace: 'shop' },
    spec: { type: 'slack', channel: 'on-call-alerts', username: 'flagger', address: 'http://127.0.0.1:9/hook' },
  });
  assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
  assert.equal(result.value.spec.type, 'slack');
});

test('accepts a Prometheus MetricTemplate and rejects an unknown metrics provider', () => {
  const template = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'latency', namespace: 'shop' },
    spec: {
      provider: { type: 'prometheus', address: 'http://prometheus:9090' },
      query: 'up{namespace="{{ namespace }}"}',
    },
  };
  assert.ok(validators.metricTemplate(template).ok);
  const bad = structuredClone(template);
  bad.spec.provider.type = 'graphana';
  assertIssue(validators.metricTemplate(bad), 'spec.provider.type', 'unsupported value "graphana"', '"prometheus"');
});

test('rejects stepWeight 150 naming spec.analysis.stepWeight and quoting the value', () => {
  const result = validators.canary(canaryWith((spec) => (analysisOf(spec).stepWeight = 150)));
  assertIssue(result, 'spec.analysis.stepWeight', 'must be <= 100, got 150');
});

test('rejects weights and readiness thresholds outside 0..100', () => {
  for (const field of [
    'maxWeight',
    'stepWeightPromotion',
    'primaryReadyThreshold',
    'canaryReadyThreshold',
    'mirrorWeight',
  ]) {
    const result = validators.canary(canaryWith((spec) => (analysisOf(spec)[field] = 101)));
    assertIssue(result, `spec.analysis.${field}`, 'must be <= 100, got 101');
  }
  const ladder = canaryWith((spec) => {
    const analysis = analysisOf(spec);
    delete analysis.stepWeight;
    analysis.stepWeights = [10, 50, -5];
  });
  assertIssue(validators.canary(ladder), 'spec.analysis.stepWeights[2]', 'must be >= 0, got -5');
});

test('rejects a Canary without targetRef', () => {
  const result = validators.canary(canaryWith((spec) => delete spec.targetRef));
  assertIssue(result, 'spec.targetRef', 'required');
});

test('rejects a targetRef that lacks apiVersion', () => {
  const result = validators.canary(canaryWith((spec) => delete (spec.targetRef as Json).apiVersion));
  assertIssue(result, 'spec.targetRef.apiVersion', 'required');
});

test('rejects an unknown provider instead of falling back to a default', () => {
  const result = validators.canary(canaryWith((spec) => (spec.provider = 'foo')));
  assertIssue(result, 'spec.provider', 'unsupported value "foo"', '"appmesh:v1beta2"', '"gatewayapi:v1"');
});

test('rejects a StatefulSet target', () => {
  const result = validators.canary(canaryWith((spec) => ((spec.targetRef as Json).kind = 'StatefulSet')));
  assertIssue(result, 'spec.targetRef.kind', 'unsupported value "StatefulSet"', '"DaemonSet", "Deployment", "Service"');
});

test('rejects a negative analysis.threshold, iterations and progressDeadlineSeconds', () => {
  assertIssue(
    validators.canary(canaryWith((spec) => (analysisOf(spec).threshold = -1))),
    'spec.analysis.threshold',
    'must be >= 0, got -1',
  );
  const blueGreen = canaryWith((spec) => {
    delete analysisOf(spec).stepWeight;
    analysisOf(spec).iterations = -2;
  });
  assertIssue(validators.canary(blueGreen), 'spec.analysis.iterations', 'must be >= 0, got -2');
  assertIssue(
    validators.canary(canaryWith((spec) => (spec.progressDeadlineSeconds = -60))),
    'spec.progressDeadlineSeconds',
    'must be >= 0, got -60',
  );
});

test('rejects a thresholdRange given as a string', () => {
  const result = validators.canary(
    canaryWith((spec) => ((analysisOf(spec).metrics as Json[])[0]!.thresholdRange = '99')),
  );
  assertIssue(result, 'spec.analysis.metrics[0].thresholdRange', 'must be object, got string "99"');
});

test('rejects both iterations and stepWeight with one readable issue', () => {
  const result = validators.canary(canaryWith((spec) => (analysisOf(spec).iterations = 10)));
  assert.equal(issuesOf(result).length, 1, formatIssues(issuesOf(result)));
  assertIssue(
    result,
    'spec.analysis',
    'set exactly one of iterations, stepWeight or stepWeights together with interval and threshold',
    'got iterations and stepWeight',
  );
});

test('rejects an analysis without threshold, saying which field is missing', () => {
  const result = validators.canary(canaryWith((spec) => delete analysisOf(spec).threshold));
  assertIssue(result, 'spec.analysis', 'set exactly one of', 'missing threshold');
});

test('rejects durations in hours where Flagger only takes seconds or minutes', () => {
  const result = validators.canary(canaryWith((spec) => ((analysisOf(spec).webhooks as Json[])[0]!.timeout = '1h')));
  assertIssue(result, 'spec.analysis.webhooks[0].timeout', 'duration', 'got "1h"');
});

test('accepts a numeric or named targetPort and rejects a boolean one', () => {
  for (const targetPort of [8080, 'http']) {
    assert.ok(validators.canary(canaryWith((spec) => ((spec.service as Json).targetPort = targetPort))).ok);
  }
  const result = validators.canary(canaryWith((spec) => ((spec.service as Json).targetPort = true)));
  assertIssue(result, 'spec.service.targetPort', 'must be an integer or a string, got true');
});

test('applies the CRD defaults to gatewayRefs and sessionAffinity without touching the input', () => {
  const input = canaryWith((spec) => {
    spec.provider = 'gatewayapi:v1';
    (spec.service as Json).gatewayRefs = [{ name: 'public', namespace: 'istio-ingress' }];
    analysisOf(spec).sessionAffinity = { cookieName: 'canary-session' };
  });
  const before = structuredClone(input);
  const result = validators.canary(input);
  assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
  assert.deepEqual(result.value.spec.service?.gatewayRefs?.[0], {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: 'public',
    namespace: 'istio-ingress',
  });
  assert.equal(result.value.spec.analysis.sessionAffinity?.maxAge, 86400);
  assert.deepEqual(input, before);
});

test('rejects a primary cookie named like the canary cookie', () => {
  const result = validators.canary(
    canaryWith((spec) => (analysisOf(spec).sessionAffinity = { cookieName: 'c', primaryCookieName: 'c' })),
  );
  assertIssue(result, 'spec.analysis.sessionAffinity.primaryCookieName', 'must differ from cookieName', 'got "c"');
});

test('requires a port on a mirror backend that is a core Service', () => {
  const result = validators.canary(
    canaryWith((spec) => ((spec.service as Json).mirror = [{ backendRef: { name: 'shadow' } }])),
  );
  assertIssue(result, 'spec.service.mirror[0].backendRef.port', 'port is required');
  const withPort = canaryWith(
    (spec) => ((spec.service as Json).mirror = [{ backendRef: { name: 'shadow', port: 80 } }]),
  );
  assert.ok(validators.canary(withPort).ok);
});

test('rejects a string matcher that sets two operators', () => {
  const result = validators.canary(
    canaryWith((spec) => ((spec.service as Json).match = [{ uri: { prefix: '/api', exact: '/api/v1' } }])),
  );
  assertIssue(result, 'spec.service.match[0].uri', 'set at most one of exact, prefix or regex', 'got exact and prefix');
});

test('names map keys in brackets, as kubectl does', () => {
  const result = validators.canary(
    canaryWith((spec) => (analysisOf(spec).match = [{ headers: { 'x-canary': { exact: 'on', regex: '.*' } } }])),
  );
  assertIssue(result, 'spec.analysis.match[0].headers[x-canary]', 'set exactly one of exact, prefix, suffix or regex');
});

test('rejects an AlertProvider with both address and secretRef', () => {
  const result = validators.alertProvider({
    spec: { type: 'slack', address: 'https://hooks.example/x', secretRef: { name: 'slack-url' } },
  });
  assertIssue(
    result,
    'spec',
    'set exactly one of address or secretRef together with type',
    'got address and secretRef',
  );
});

test('prunes unknown fields by default and reports them when asked to', () => {
  const input = canaryWith((spec) => (analysisOf(spec).stepweight = 5));
  const pruned = validators.canary(input);
  assert.ok(pruned.ok);
  assert.equal('stepweight' in pruned.value.spec.analysis, false);
  const strict = createValidators({ unknownFields: 'reject' }).canary(input);
  assertIssue(strict, 'spec.analysis', 'unknown field "stepweight"');
});

test('keeps unknown fields inside Istio traffic policies', () => {
  const policy = { loadBalancer: { simple: 'LEAST_REQUEST' }, futureIstioField: { on: true } };
  const result = createValidators({ unknownFields: 'reject' }).canary(
    canaryWith((spec) => ((spec.service as Json).trafficPolicy = policy)),
  );
  assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
  assert.deepEqual(result.value.spec.service?.trafficPolicy, policy);
});

test('reports a non-object input at the root', () => {
  const issues = issuesOf(validators.canary('Canary'));
  assert.deepEqual(issues, [{ path: '', message: 'must be object, got string "Canary"' }]);
});

test('accepts a status as Serin writes it and rejects an unknown phase', () => {
  const status = {
    phase: 'Progressing',
    canaryWeight: 20,
    failedChecks: 0,
    iterations: 0,
    lastTransitionTime: '2026-07-21T10:00:00Z',
    conditions: [{ type: 'Promoted', status: 'Unknown', reason: 'Progressing', message: 'New revision detected.' }],
  };
  assert.ok(validators.canary({ ...seedCanary(), status }).ok);
  const result = validators.canary({ ...seedCanary(), status: { ...status, phase: 'Paused' } });
  assertIssue(result, 'status.phase', 'unsupported value "Paused"');
});
