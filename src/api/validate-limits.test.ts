import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createValidators } from './validate.js';

const validators = createValidators();

function canary(service: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'app', namespace: 'shop', ...metadata },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
      service: { port: 80, ...service },
      analysis: { interval: '1m', threshold: 1, stepWeight: 10 },
    },
  };
}

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('validation survives any object the API server stores', () => {
  test('6,000 levels under trafficPolicy are refused naming the field, not a stack overflow', () => {
    const result = validators.canary(canary({ trafficPolicy: nest(6000) }));
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.issues.map((i) => i.path), [
      'spec.service.trafficPolicy.a.a.a.a.a… (93 levels more)',
    ]);
  });

  test('managedFields, which mirror the spec, are not what the problem names', () => {
    const managedFields = [{ manager: 'kubectl', fieldsV1: { 'f:spec': nest(6000) } }];
    const result = validators.canary(canary({ trafficPolicy: nest(6000) }, { managedFields }));
    assert.match(!result.ok ? (result.issues[0]?.path ?? '') : '', /^spec\.service\.trafficPolicy/);
    assert.equal(
      validators.canary(canary({}, { managedFields })).ok,
      true,
      'a normal spec with deep managedFields is fine',
    );
  });

  test('a MetricTemplate query Flagger could not render is refused at spec.query, naming the construct', () => {
    const template = (query: string) => ({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'm', namespace: 'shop' },
      spec: { provider: { type: 'prometheus', address: 'http://prom:9090' }, query },
    });
    assert.equal(validators.metricTemplate(template('sum(x{ns="{{ namespace | printf "%s" }}"})')).ok, true);
    const refused = validators.metricTemplate(template('sum(x{ns={{ namespace | quote }}})'));
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.issues[0]?.path, 'spec.query');
    assert.match(!refused.ok ? (refused.issues[0]?.message ?? '') : '', /unknown function or variable "quote"/);
  });
});
