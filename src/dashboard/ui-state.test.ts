import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanaryRow } from './model.js';
import { applyDeltas, namespacesOf, rowsByKey, visibleRows } from './ui/fleet-state.js';
import { age, duration, percent } from './ui/format.js';

function row(namespace: string, name: string, phase: string, createdAt = 0): CanaryRow {
  return {
    namespace,
    name,
    phase,
    weight: 0,
    maxWeight: 50,
    failedChecks: 0,
    threshold: 3,
    paused: false,
    suspended: false,
    provider: '',
    target: `Deployment/${name}-app`,
    createdAt,
  };
}

const ANY = { namespace: '', phase: '', search: '' };
const BY_NAME = { key: 'name', descending: false } as const;

test('a delta replaces rows whole and deletes by key; an edited row is a new object', () => {
  const rows = rowsByKey([row('shop', 'a', 'Progressing'), row('shop', 'b', 'Succeeded')]);
  const before = rows.get('shop/a');
  const changed = applyDeltas(rows, [{ upserts: [{ ...row('shop', 'a', 'Failed') }], deletes: ['shop/b'] }]);
  assert.equal(changed, true);
  assert.notEqual(rows.get('shop/a'), before);
  assert.deepEqual([...rows.keys()], ['shop/a']);
  assert.equal(applyDeltas(rows, [{ upserts: [], deletes: ['shop/none'] }]), false);
});

test('filters by namespace, phase (Pending for an uninitialized canary) and search on name or target', () => {
  const rows = rowsByKey([row('shop', 'cart', ''), row('shop', 'account', 'Failed'), row('pay', 'card', 'Failed')]);
  const names = (f: Partial<typeof ANY>) => visibleRows(rows, { ...ANY, ...f }, BY_NAME).map((r) => r.name);
  assert.deepEqual(names({ namespace: 'shop' }), ['account', 'cart']);
  assert.deepEqual(names({ phase: 'Pending' }), ['cart']);
  assert.deepEqual(names({ phase: 'Failed' }), ['card', 'account']);
  assert.deepEqual(names({ search: 'CAR' }), ['card', 'cart']);
  assert.deepEqual(names({ search: 'account-app' }), ['account']);
  assert.deepEqual(namespacesOf(rows), ['pay', 'shop']);
});

test('sorts by name, phase or age, either way', () => {
  const rows = rowsByKey([row('a', 'x', 'Succeeded', 3), row('a', 'y', 'Failed', 1), row('a', 'z', 'Progressing', 2)]);
  const sorted = (key: 'name' | 'phase' | 'age', descending = false) =>
    visibleRows(rows, ANY, { key, descending }).map((r) => r.name);
  assert.deepEqual(sorted('name', true), ['z', 'y', 'x']);
  assert.deepEqual(sorted('phase'), ['y', 'z', 'x']);
  assert.deepEqual(sorted('age'), ['x', 'z', 'y'], 'youngest first');
});

test('weights and ages read as a person says them', () => {
  assert.equal(percent(20), '20%');
  assert.equal(duration(90_000), '1m30s');
  assert.equal(duration(3_600_000 + 5_000), '1h');
  assert.equal(duration(2 * 86_400_000 + 4 * 3_600_000), '2d4h');
  assert.equal(age(1000, 1500), 'just now');
  assert.equal(age(0, 45_000), '45s');
});
