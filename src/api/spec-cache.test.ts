import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { MAX_NESTING_DEPTH, plainDataProblem } from '../lib/plain-data.js';
import { isDeepFrozen, isFrozenJson } from './spec-cache.js';
import { createValidators, type ValidationResult } from './validate.js';

type Json = Record<string, unknown>;

/** A Canary whose spec needs defaults (gateway refs, cookie lifetime) and with a status as Serin writes it. */
function canary(edit: (spec: Json, status: Json) => void = () => undefined): Json {
  const spec: Json = {
    provider: 'gatewayapi:v1',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898, gatewayRefs: [{ name: 'public', namespace: 'gateways' }] },
    analysis: {
      interval: '1m',
      threshold: 3,
      stepWeight: 10,
      maxWeight: 50,
      sessionAffinity: { cookieName: 'canary' },
      metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
    },
  };
  const status: Json = {
    phase: 'Progressing',
    canaryWeight: 10,
    failedChecks: 0,
    lastTransitionTime: '2026-01-01T00:01:00.000Z',
    conditions: [
      {
        type: 'Promoted',
        status: 'Unknown',
        reason: 'Progressing',
        message: 'New revision detected, progressing canary analysis.',
        lastUpdateTime: '2026-01-01T00:01:00.000Z',
        lastTransitionTime: '2026-01-01T00:01:00.000Z',
      },
    ],
  };
  edit(spec, status);
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'shop', uid: 'uid-1', generation: 1, resourceVersion: '7' },
    spec,
    status,
  };
}

/** Frozen all the way down, as the simulator's cluster stores objects. */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

/** The issues of a result that must have failed. */
function issuesOf(result: ValidationResult<unknown>): readonly { path: string; message: string }[] {
  assert.equal(result.ok, false, `expected a refusal, got ${JSON.stringify(result)}`);
  return result.ok ? [] : result.issues;
}

test('a frozen Canary validates to the same value, in the same key order, as a copy of it', () => {
  const validate = createValidators().canary;
  const first = frozen(canary());
  // The same spec under a newer status: validated in parts, from the spec kept the first time.
  const later = frozen({ ...first, status: { ...(first.status as Json), canaryWeight: 20 } });
  for (const input of [first, later]) {
    const expected = validate(structuredClone(input));
    const got = validate(input);
    assert.ok(expected.ok && got.ok);
    assert.equal(JSON.stringify(got.value), JSON.stringify(expected.value));
    assert.equal(got.value.spec.service?.gatewayRefs?.[0]?.group, 'gateway.networking.k8s.io', 'defaults applied');
    assert.equal(got.value.spec.analysis.sessionAffinity?.maxAge, 86400);
    assert.ok(isDeepFrozen(got.value.spec), 'a frozen input gives a frozen spec');
    assert.ok(!Object.isFrozen(expected.value.spec), 'an input that is not frozen gives a copy of its own');
  }
  const got = validate(later);
  assert.ok(got.ok && isDeepFrozen(got.value), 'validated in parts: the value is frozen, sharing the input');
  assert.equal(got.value.status, later.status);
});

test("the defaulted value keeps only its defaults of its own: every other part is the input's", () => {
  const validate = createValidators().canary;
  const input = frozen(canary());
  const got = validate(input);
  assert.ok(got.ok);
  const spec = input.spec as { targetRef: unknown; service: { gatewayRefs: unknown[] }; analysis: Json };
  assert.equal(got.value.spec.targetRef, spec.targetRef, 'nothing to default there');
  assert.equal(got.value.spec.analysis.metrics, spec.analysis.metrics);
  assert.equal(got.value.metadata, input.metadata);
  assert.equal(got.value.status, input.status);
  assert.notEqual(got.value.spec.service, spec.service, 'the gateway refs got their group');
  assert.notEqual(got.value.spec.service?.gatewayRefs?.[0], spec.service.gatewayRefs[0]);
});

test('a changed spec is validated again: the verdict kept for the old spec is never served for it', () => {
  const validate = createValidators().canary;
  const good = frozen(canary());
  assert.equal(validate(good).ok, true);
  const bad = frozen(
    canary((spec) => {
      (spec.analysis as Json).stepWeight = 150;
    }),
  );
  assert.deepEqual(
    issuesOf(validate(bad)).map((i) => i.path),
    ['spec.analysis.stepWeight'],
  );
  // And back: a spec fixed after a refusal is accepted.
  const fixed = frozen(canary());
  assert.equal(validate(fixed).ok, true);
  assert.equal(validate(bad).ok, false, 'the refusal is kept for the bad spec');
});

test('the same frozen spec is validated once: later objects share its defaulted value', () => {
  const validate = createValidators().canary;
  const first = frozen(canary());
  const later = frozen({ ...first, status: { ...(first.status as Json), canaryWeight: 20 } });
  const a = validate(first);
  const b = validate(later);
  assert.ok(a.ok && b.ok);
  assert.equal(a.value.spec, b.value.spec, 'one spec, one verdict');
  assert.equal(b.value.status?.canaryWeight, 20, 'the status is read from the object at hand');
});

test('a status that is invalid is refused even though the verdict of its spec is kept', () => {
  const validate = createValidators().canary;
  const ok = frozen(canary());
  assert.equal(validate(ok).ok, true);
  const badStatus = frozen({ ...ok, status: { ...(ok.status as Json), phase: 'Sideways' } });
  assert.deepEqual(
    issuesOf(validate(badStatus)).map((i) => i.path),
    ['status.phase'],
  );
});

test('a spec frozen only at the top is not trusted: changing what is under it is seen', () => {
  const validate = createValidators().canary;
  const obj = canary();
  frozen(obj.metadata);
  frozen(obj.status);
  Object.freeze(obj.spec);
  Object.freeze(obj);
  assert.equal(validate(obj).ok, true);
  assert.equal(validate(obj).ok, true);
  ((obj.spec as Json).analysis as Json).stepWeight = 150;
  assert.deepEqual(
    issuesOf(validate(obj)).map((i) => i.path),
    ['spec.analysis.stepWeight'],
  );
});

test('a frozen Canary with fields to prune or managedFields to drop gets the value a copy gets', () => {
  const validate = createValidators().canary;
  const withExtras = () =>
    canary((_, status) => {
      status.unknownField = 'dropped';
    });
  const input = withExtras();
  (input.metadata as Json).managedFields = [{ manager: 'kubectl', operation: 'Update' }];
  const expected = validate(structuredClone(input));
  const got = validate(frozen(input));
  assert.ok(expected.ok && got.ok);
  assert.equal(JSON.stringify(got.value), JSON.stringify(expected.value));
  assert.equal((got.value.status as Json | undefined)?.unknownField, undefined);
  assert.equal((got.value.metadata as Json).managedFields, undefined);
});

test('with unknown fields refused, a frozen Canary is refused where a copy is', () => {
  const validate = createValidators({ unknownFields: 'reject' }).canary;
  const input = canary((spec) => {
    spec.extra = true;
  });
  assert.deepEqual(issuesOf(validate(frozen(input))), issuesOf(validate(structuredClone(input))));
});

test('a frozen value is JSON Serin reads exactly when plainDataProblem finds nothing wrong with it', () => {
  const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : { next: nested(levels - 1) });
  const values: unknown[] = [
    { a: [1, 'two', true, null], b: { c: undefined } },
    { n: Number.NaN },
    { n: [Number.POSITIVE_INFINITY] },
    { when: new Date(0) },
    { f: () => 1 },
    { big: 1n },
    { m: new Map() },
    Object.create(null) as object,
    [1, undefined, 3],
    nested(MAX_NESTING_DEPTH),
    nested(MAX_NESTING_DEPTH + 1),
  ];
  for (const value of values) {
    frozen(value);
    assert.equal(isFrozenJson(value), plainDataProblem(value) === undefined, `for ${inspect(value, { depth: 3 })}`);
  }
  assert.equal(isFrozenJson({ a: { b: 1 } }), false, 'not frozen: not taken');
});

test('a frozen Canary whose status holds what JSON cannot is refused as a copy of it is', () => {
  const validate = createValidators().canary;
  const ok = frozen(canary());
  assert.equal(validate(ok).ok, true);
  const nan = frozen({ ...ok, status: { ...(ok.status as Json), canaryWeight: Number.NaN } });
  assert.deepEqual(issuesOf(validate(nan)), issuesOf(validate({ ...nan, status: { ...(nan.status as Json) } })));
});

test('a frozen object that is not plain data is refused, even with a spec validated before', () => {
  const validate = createValidators().canary;
  const ok = frozen(canary());
  assert.equal(validate(ok).ok, true);
  class NotJson {}
  const odd = Object.freeze(Object.assign(new NotJson(), ok));
  assert.deepEqual(issuesOf(validate(odd)), [{ path: '', message: 'must be JSON data, got a NotJson' }]);
});
