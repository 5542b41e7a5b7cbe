import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimateDispersion } from './dispersion.js';
import type { ArmCounts } from './model.js';
import { seededRng } from './testing/random.test-support.js';
import { drawPods } from './testing/releases.test-support.js';

/** 60 one-minute slots of `pods` primary pods at 600 requests and 0.1% errors per pod-minute. */
function history(seed: number, pods: number, shape: number | null): ArmCounts[][] {
  const rng = seededRng(seed);
  return Array.from({ length: pods }, () => Array.from({ length: 60 }, () => drawPods(rng, 1, 600, 0.001, shape)[0]!));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('over-dispersion from the primary pods’ history', () => {
  test('recovers φ = 1 + mean/shape for bursty pods within 10% on average (gamma shocks, shape 2 / 0.5 / 0.2)', () => {
    for (const [shape, truth] of [
      [2, 1.3],
      [0.5, 2.2],
      [0.2, 4.0],
    ] as const) {
      const estimates = Array.from(
        { length: 200 },
        (_, i) => estimateDispersion(history(1000 * shape + i, 9, shape)).estimate ?? NaN,
      );
      const average = mean(estimates);
      assert.ok(Math.abs(average / truth - 1) < 0.1, `shape ${shape}: mean φ̂ ${average} vs ${truth}`);
    }
  });

  test('clamps to [1, 10] and says where φ came from', () => {
    const calm = estimateDispersion(history(5, 9, null));
    assert.ok(calm.phi >= 1 && calm.phi < 1.6, `φ ${calm.phi}`);
    assert.match(calm.reason, /^φ = [\d.]+ from 9 primary pods over \d+ blocks of history$/);
    // One pod always failing: far beyond any burst model, capped at 10.
    const broken = history(6, 9, null).map((pod, i) => (i === 0 ? pod.map((s) => ({ ...s, events: 60 })) : pod));
    assert.equal(estimateDispersion(broken).phi, 10);
  });

  test('falls back to φ = 1.5 with fewer than 3 pods, or too few events, and says so', () => {
    const two = estimateDispersion(history(7, 2, 0.5));
    assert.equal(two.phi, 1.5);
    assert.equal(two.reason, 'φ = 1.5: the primary has 2 pods, and over-dispersion is estimated across at least 3');
    const quiet = estimateDispersion(history(8, 5, null).map((pod) => pod.map((s) => ({ ...s, events: 0 }))));
    assert.equal(quiet.phi, 1.5);
    assert.match(
      quiet.reason,
      /too few events to estimate over-dispersion \(each pod needs ≥ 5 expected events in a block\)/,
    );
  });
});
