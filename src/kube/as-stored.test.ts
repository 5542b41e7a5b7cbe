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
