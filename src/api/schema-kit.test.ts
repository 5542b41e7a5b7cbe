import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { toPlainSchema } from './crd.js';
import {
  AtMostOneOf,
  CelRules,
  Duration,
  IntOrString,
  OneOfRequired,
  Percent,
  PreserveUnknown,
  StringEnum,
  StringMap,
} from './schema-kit.js';

const d = { description: 'd' };

test('StringEnum emits a string enum rather than a union of const', () => {
  assert.deepEqual(toPlainSchema(StringEnum(['a', 'b'], d)), { description: 'd', type: 'string', enum: ['a', 'b'] });
});

test('StringMap emits additionalProperties rather than patternProperties', () => {
  assert.deepEqual(toPlainSchema(StringMap(Type.String(), d)), {
    description: 'd',
    type: 'object',
    additionalProperties: { type: 'string' },
  });
});

test('IntOrString emits the one anyOf form Kubernetes allows', () => {
  assert.deepEqual(toPlainSchema(IntOrString(d)), {
    description: 'd',
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  });
});

test('Duration, Percent and PreserveUnknown carry their constraints', () => {
  assert.equal(toPlainSchema(Duration(d)).pattern, '^[0-9]+(m|s)');
  assert.deepEqual([toPlainSchema(Percent(d)).minimum, toPlainSchema(Percent(d)).maximum], [0, 100]);
  assert.equal(toPlainSchema(PreserveUnknown(d))['x-kubernetes-preserve-unknown-fields'], true);
});

test('AtMostOneOf forbids every pair and OneOfRequired lists the groups', () => {
  assert.deepEqual(AtMostOneOf(['a', 'b', 'c']), {
    not: { anyOf: [{ required: ['a', 'b'] }, { required: ['a', 'c'] }, { required: ['b', 'c'] }] },
  });
  assert.deepEqual(
    OneOfRequired([
      ['x', 'a'],
      ['x', 'b'],
    ]),
    { oneOf: [{ required: ['x', 'a'] }, { required: ['x', 'b'] }] },
  );
});

test('CEL rules lose their JavaScript twin in the CRD and keep it for the validator', () => {
  const rule = { rule: 'self.a != self.b', message: 'a must differ from b', check: () => true };
  const schema = Type.Object({ a: Type.String(), b: Type.String() }, CelRules(rule));
  assert.deepEqual(toPlainSchema(schema)['x-kubernetes-validations'], [{ rule: rule.rule, message: rule.message }]);
  const kept = toPlainSchema(schema, { keepChecks: true })['x-kubernetes-validations'] as { check: unknown }[];
  assert.equal(kept[0]?.check, rule.check);
});
