import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anytimeZ, describeNeeded, needed, normalQuantile, plannedCanaryRequests } from './planner.js';

const within = (actual: number, expected: number, relative: number) =>
  assert.ok(Math.abs(actual / expected - 1) <= relative, `${actual} vs ${expected}`);

describe('the planner', () => {
  test('uses the normal quantile and the anytime boundary of the research note (z = 1.645, z_B = 3.69 at α = 0.0033)', () => {
    within(normalQuantile(0.95), 1.6448536, 1e-7);
    within(normalQuantile(0.999), 3.0902323, 1e-7);
    within(normalQuantile(1e-6), -4.7534243, 1e-7);
    within(anytimeZ(0.01 / 3), 3.69, 0.001);
    // The two-sided table of §5.4 at V = V*: 3.04 at 0.05 and 3.57 at 0.01.
    within(anytimeZ(0.025), 3.04, 0.002);
    within(anytimeZ(0.005), 3.57, 0.002);
  });

  test('plans 60,900 canary requests to rule out a doubling at 0.1%, 4,800 for 5×, 48,000 for 1.5× at a 0.6% tail', () => {
    const base = { allocation: 9, failAbove: 1.1, alpha: 0.01 / 3, beta: 0.05 };
    within(plannedCanaryRequests({ ...base, baseRate: 0.001, passBelow: 2 }), 60900, 0.002);
    within(plannedCanaryRequests({ ...base, baseRate: 0.001, passBelow: 5 }), 4800, 0.01);
    within(plannedCanaryRequests({ ...base, baseRate: 0.006, passBelow: 1.5 }), 48000, 0.002);
    assert.equal(plannedCanaryRequests({ ...base, baseRate: 0, passBelow: 2 }), Infinity);
  });

  test('says how many more canary requests and how long at the current rate, rounded to two figures', () => {
    const need = needed(60885, 12000, 20);
    assert.deepEqual(need, { canaryRequests: 49000, seconds: 2450 });
    assert.equal(describeNeeded(need, 20), 'needs ≈ 49,000 more canary requests (≈ 41 min at 20 req/s)');
    assert.equal(
      describeNeeded(needed(4833, 4000, 2.5), 2.5),
      'needs ≈ 840 more canary requests (≈ 6 min at 2.5 req/s)',
    );
    assert.equal(
      describeNeeded(needed(3e6, 0, 0), 0),
      'needs ≈ 3.0 million more canary requests (the canary receives no traffic now)',
    );
  });
});
