import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deepFreeze } from './deep-freeze.js';

test('freezes everything reachable, and returns the value', () => {
  const value = { a: { b: [1, { c: 'x' }] }, d: null };
  assert.equal(deepFreeze(value), value);
  assert.ok(Object.isFrozen(value) && Object.isFrozen(value.a) && Object.isFrozen(value.a.b));
  assert.ok(Object.isFrozen(value.a.b[1]));
});

test('an object 100,000 levels deep (as the API server may store one) is frozen without overflowing the stack', () => {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 0; i < 100_000; i++) node = node.a = {};
  deepFreeze(root);
  assert.ok(Object.isFrozen(node), 'the innermost level too');
});
