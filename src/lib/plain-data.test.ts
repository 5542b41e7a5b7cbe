import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_NESTING_DEPTH, plainDataProblem } from './plain-data.js';

function nest(depth: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

test('plain JSON data up to the nesting limit has no problem', () => {
  assert.equal(plainDataProblem({ spec: { list: [1, 'x', true, null, { k: 'v' }] }, skipped: undefined }), undefined);
  assert.equal(plainDataProblem(nest(MAX_NESTING_DEPTH)), undefined);
});

test('one level more is refused at the first field too deep, with a summarized path', () => {
  assert.equal(plainDataProblem({ spec: nest(MAX_NESTING_DEPTH) }), undefined, 'the innermost object at level 100');
  assert.deepEqual(plainDataProblem({ spec: nest(MAX_NESTING_DEPTH + 1) }), {
    path: `spec.a.a.a.a.a.a.a… (${MAX_NESTING_DEPTH + 1 - 8} levels more)`,
    message: 'is nested more than 100 levels deep; Serin reads at most 100 levels of objects and arrays',
  });
});

test('200,000 levels are walked without running out of stack', () => {
  const problem = plainDataProblem({ spec: { service: { trafficPolicy: nest(200_000) } } });
  assert.match(problem?.path ?? '', /^spec\.service\.trafficPolicy\.a\.a\.a\.a\.a… \(\d+ levels more\)$/);
});

test('what JSON cannot carry is named with its path', () => {
  assert.deepEqual(plainDataProblem({ spec: { weights: [1, NaN] } }), {
    path: 'spec.weights[1]',
    message: 'must be a finite number, got NaN',
  });
  assert.equal(plainDataProblem({ a: { 'b.c': Infinity } })?.path, 'a["b.c"]');
  assert.equal(plainDataProblem({ when: new Date(0) })?.message, 'must be JSON data, got a Date');
  assert.equal(plainDataProblem({ f: () => 1 })?.message, 'must be JSON data, got a function');
});

test('an array with holes is read, not thrown on', () => {
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [1, , 3];
  assert.doesNotThrow(() => plainDataProblem(sparse));
  assert.doesNotThrow(() => plainDataProblem({ list: sparse }));
});
