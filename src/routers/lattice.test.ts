import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import { latticeLimit } from './lattice.js';

function canary(service: Record<string, unknown> = {}, analysis: Record<string, unknown> = {}): Canary {
  return {
    metadata: { name: 'shop', namespace: 'web' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
      service: { port: 80, gatewayRefs: [{ name: 'lattice' }], ...service },
      analysis: { interval: '1m', ...analysis },
    },
  } as Canary;
}

test('what VPC Lattice cannot do is named by field, with why', () => {
  assert.equal(latticeLimit(canary()), undefined);
  assert.equal(latticeLimit(canary({}, { stepWeight: 10, maxWeight: 50 })), undefined);
  assert.match(
    latticeLimit(canary({}, { mirror: true })) ?? '',
    /^spec\.analysis\.mirror: Lattice ignores HTTPRoute filters/,
  );
  assert.match(latticeLimit(canary({ headers: { request: { set: { a: 'b' } } } })) ?? '', /^spec\.service\.headers:/);
  assert.match(
    latticeLimit(canary({ timeout: '5s' })) ?? '',
    /^spec\.service\.timeout: Lattice ignores route timeouts/,
  );
  assert.match(
    latticeLimit(canary({ match: [{ uri: { regex: '/a.*' } }] })) ?? '',
    /^spec\.service\.match\[0\]\.uri\.regex/,
  );
  assert.match(
    latticeLimit(canary({}, { match: [{ headers: { user: { regex: 'in.*' } } }] })) ?? '',
    /^spec\.analysis\.match\[0\]\.headers\.user: Lattice matches headers exactly only/,
  );
  assert.match(latticeLimit(canary({}, { match: [{ queryParams: { a: { exact: 'b' } } }] })) ?? '', /query parameters/);
  const six = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((h) => [h, { exact: '1' }]));
  assert.match(latticeLimit(canary({}, { match: [{ headers: six }] })) ?? '', /at most 5 header matches/);
  assert.match(
    latticeLimit(canary({}, { match: [{ headers: { a: { exact: '1' } } }, { headers: { b: { exact: '2' } } }] })) ?? '',
    /one match per rule/,
  );
  // Exact headers, up to five, one match: what Lattice does take.
  assert.equal(latticeLimit(canary({}, { match: [{ headers: { a: { exact: '1' } } }] })), undefined);
});
