import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asStored } from './as-stored.js';

test('null fields are dropped as the API server drops them, at any depth; arrays keep their length', () => {
  assert.deepEqual(
    asStored({
      spec: { analysis: { webhooks: null, metrics: null, alerts: null, interval: '1m' }, service: { port: 80 } },
    }),
    { spec: { analysis: { interval: '1m' }, service: { port: 80 } } },
  );
  assert.deepEqual(asStored({ list: [{ a: null, b: 1 }, null] }), { list: [{ b: 1 }, null] });
});

test('keys keep their order, and a document 20,000 levels deep is copied without running out of stack', () => {
  assert.deepEqual(Object.keys(asStored({ b: 1, a: 2, c: { z: 1, y: null, x: 2 } })), ['b', 'a', 'c']);
  assert.deepEqual(Object.keys(asStored({ c: { z: 1, y: null, x: 2 } }).c), ['z', 'x']);
  let deep: unknown = 'bottom';
  for (let i = 0; i < 20_000; i++) deep = { a: deep, n: null };
  let copy = asStored(deep) as { a?: unknown; n?: unknown };
  let depth = 0;
  while (typeof copy === 'object' && 'a' in copy) {
    assert.equal('n' in copy, false);
    copy = copy.a as typeof copy;
    depth++;
  }
  assert.equal(depth, 20_000);
  assert.equal(copy, 'bottom');
});
