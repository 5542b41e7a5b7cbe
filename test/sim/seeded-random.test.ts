import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pickWeighted, requestsThisTick, seededRandom } from './seeded-random.js';

function shares(weights: number[], seed: number, n: number): number[] {
  const random = seededRandom(seed);
  const counts = weights.map(() => 0);
  for (let i = 0; i < n; i++) counts[pickWeighted(weights, random)!]! += 1;
  return counts.map((c) => c / n);
}

describe('deterministic traffic split', () => {
  test('the same seed replays the same numbers; another seed does not', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 5 }, a);
    assert.deepEqual(Array.from({ length: 5 }, b), seqA);
    assert.notDeepEqual(Array.from({ length: 5 }, c), seqA);
    assert.ok(seqA.every((x) => x >= 0 && x < 1));
  });

  test('the same seed splits the same requests to the same sides', () => {
    const pick = (seed: number): (number | undefined)[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 200 }, () => pickWeighted([80, 20], random));
    };
    assert.deepEqual(pick(7), pick(7));
  });

  test('shares follow the weights: 80/20 within 1 % over 100000 requests, for several seeds', () => {
    for (const seed of [1, 2, 3, 99]) {
      const [primary = 0, canary = 0] = shares([80, 20], seed, 100_000);
      assert.ok(Math.abs(primary - 0.8) < 0.01, `seed ${seed}: primary ${primary}`);
      assert.ok(Math.abs(canary - 0.2) < 0.01, `seed ${seed}: canary ${canary}`);
    }
  });

  test('weights are relative, as Envoy reads App Mesh weights: 1:3 is 25 %/75 %', () => {
    const [a = 0] = shares([1, 3], 5, 40_000);
    assert.ok(Math.abs(a - 0.25) < 0.01, String(a));
  });

  test('a zero weight never gets a request; all zero (or negative) means no traffic at all', () => {
    assert.deepEqual(shares([100, 0], 3, 10_000), [1, 0]);
    assert.deepEqual(shares([0, 100], 3, 10_000), [0, 1]);
    assert.equal(pickWeighted([0, 0], seededRandom(1)), undefined);
    assert.equal(pickWeighted([-5, NaN], seededRandom(1)), undefined);
  });

  test('a tick sends rps × tickMs / 1000 requests and carries the fraction to the next tick', () => {
    assert.deepEqual(requestsThisTick(2000, 1000, 0), { count: 2000, carry: 0 });
    let carry = 0;
    const counts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const next = requestsThisTick(5, 100, carry);
      counts.push(next.count);
      carry = next.carry;
    }
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      5,
    );
    assert.ok(counts.every((n) => n <= 1));
  });
});
