import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameStringMap } from '../kube/json-equal.js';
import { jsonEqual, shareEqualParts } from './json-equal.js';

/** The definition: the same JSON text once object keys are sorted. */
function sortedJson(value: unknown): string | undefined {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0));
      return Object.fromEntries(entries.map(([k, x]) => [k, canonical(x)]));
    }
    return v;
  };
  return JSON.stringify(canonical(value));
}

/** A small pseudo-random JSON-ish value (with undefined, NaN, nested arrays and objects). */
function randomValue(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 6 : 8));
  switch (pick) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return next() < 0.1 ? NaN : Math.floor(next() * 3);
    case 3:
      return ['a', 'b', ''][Math.floor(next() * 3)];
    case 4:
      return next() < 0.5;
    case 5:
      return Math.floor(next() * 2).toString();
    case 6:
      return Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next, depth + 1));
    default: {
      const keys = ['x', 'y', 'z'].filter(() => next() < 0.6);
      if (next() < 0.5) keys.reverse();
      return Object.fromEntries(keys.map((k) => [k, randomValue(next, depth + 1)]));
    }
  }
}

test('jsonEqual agrees with comparing key-sorted JSON, over 20,000 generated pairs', () => {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let equalPairs = 0;
  for (let i = 0; i < 20_000; i++) {
    const a = randomValue(next);
    const b = next() < 0.3 ? structuredClone(a) : randomValue(next);
    const expected = sortedJson(a) === sortedJson(b);
    if (expected) equalPairs++;
    assert.equal(jsonEqual(a, b), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  assert.ok(equalPairs > 5000, 'the generator makes equal pairs too');
});

test('key order and undefined-valued keys do not matter; types do', () => {
  assert.ok(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }));
  assert.ok(jsonEqual({ a: 1, gone: undefined }, { a: 1 }));
  assert.ok(!jsonEqual({ a: 1 }, { a: '1' }));
  assert.ok(!jsonEqual([1, 2], [2, 1]));
  assert.ok(!jsonEqual({}, []));
  assert.ok(!jsonEqual(undefined, null));
  assert.ok(sameStringMap(undefined, {}));
});

test('an object 100,000 levels deep is compared without overflowing the stack', () => {
  const deep = (leaf: number) => {
    let value: unknown = leaf;
    for (let i = 0; i < 100_000; i++) value = { a: value };
    return value;
  };
  assert.equal(jsonEqual(deep(1), deep(1)), true);
  assert.equal(jsonEqual(deep(1), deep(2)), false);
});

test('shareEqualParts: an equal copy gives the original; a changed one keeps only its changes', () => {
  const original = Object.freeze({
    a: Object.freeze({ x: 1 }),
    list: Object.freeze([Object.freeze({ n: 'p' })]),
    s: 'v',
  });
  assert.equal(shareEqualParts(structuredClone(original), original), original);
  const changed = structuredClone(original) as { a: { x: number; y?: number }; list: { n: string }[]; s: string };
  changed.a.y = 2;
  const shared = shareEqualParts(changed, original);
  assert.equal(shared, changed, 'a default was added: the copy');
  assert.notEqual(shared.a, original.a);
  assert.equal(shared.list, original.list, 'the unchanged list is the original one');
  assert.deepEqual(shared, { a: { x: 1, y: 2 }, list: [{ n: 'p' }], s: 'v' });
  const longer = { list: [{ n: 'p' }, { n: 'q' }] };
  const sharedList = shareEqualParts(longer, { list: original.list });
  assert.equal(sharedList.list[0], original.list[0], 'an equal element is shared in a list that grew');
  assert.deepEqual(shareEqualParts({ a: 1 }, { a: 1, b: 2 }), { a: 1 }, 'a member the copy lacks is not brought back');
});
