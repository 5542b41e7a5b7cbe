import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkSplit, type SplitState } from './split.js';
import { seededRng } from './testing/random.test-support.js';
import { upperAcceptance } from './testing/releases.test-support.js';

const SETTINGS = { tolerance: 0.3, alpha: 0.001 };

/** Windows of `total` requests at `weight`% where the canary's true share is `share`; the first HOLD's window. */
function firstHold(seed: number, weight: number, share: number, total: number, windows: number): number | null {
  const rng = seededRng(seed);
  let state: SplitState | null = null;
  for (let w = 1; w <= windows; w++) {
    const canaryRequests = rng.binomial(total, share);
    const result = checkSplit(SETTINGS, state, { weight, canaryRequests, primaryRequests: total - canaryRequests });
    if (result.verdict === 'HOLD') return w;
    state = result.state;
  }
  return null;
}

describe('the traffic-split check (P19)', () => {
  test('HOLDs within one window when a 10% canary receives 2% of 6,000 requests (600 intended for it)', () => {
    for (let seed = 0; seed < 200; seed++) assert.equal(firstHold(seed, 10, 0.02, 6000, 1), 1, `seed ${seed}`);
  });

  test('HOLDs a 10% canary that receives half its weight (300 of 6,000 requests) within two windows, mostly one', () => {
    const holds = Array.from({ length: 200 }, (_, seed) => firstHold(seed, 10, 0.05, 6000, 2));
    assert.ok(
      holds.every((w) => w !== null),
      'every run held within two windows',
    );
    assert.ok(holds.filter((w) => w === 1).length >= 180, 'at least 90% in the first window');
  });

  test('says what it saw and the likely causes', () => {
    const result = checkSplit(SETTINGS, null, { weight: 10, canaryRequests: 120, primaryRequests: 5880 });
    assert.equal(result.verdict, 'HOLD');
    assert.equal(
      result.reason,
      'observed canary share 2% of 6,000 requests vs weight 10% is below 7% (possible outlier ejection of canary pods, ' +
        'routing lag or session affinity); holding the weight',
    );
    assert.ok(result.eLow >= result.threshold);
  });

  test('false HOLDs stay within α_split over 2,000 steps of 60 windows, at the weight and at the band’s edge', () => {
    const runs = 2000;
    const bound = upperAcceptance(SETTINGS.alpha, runs);
    for (const share of [0.1, 0.07]) {
      let holds = 0;
      for (let seed = 0; seed < runs; seed++) if (firstHold(10_000 + seed, 10, share, 1000, 60) !== null) holds++;
      assert.ok(holds / runs <= bound, `share ${share}: ${holds / runs} > ${bound}`);
    }
  });

  test('starts again when the weight changes, and checks nothing at 0% or 100%', () => {
    const held = checkSplit(SETTINGS, null, { weight: 10, canaryRequests: 120, primaryRequests: 5880 });
    const next = checkSplit(SETTINGS, held.state, { weight: 20, canaryRequests: 1200, primaryRequests: 4800 });
    assert.equal(next.verdict, 'PASS');
    assert.equal(next.state.windows, 1);
    assert.match(
      next.reason,
      /observed canary share 20% of 6,000 requests is consistent with weight 20% \(band 14%–26%\)/,
    );
    const full = checkSplit(SETTINGS, null, { weight: 100, canaryRequests: 10, primaryRequests: 5 });
    assert.deepEqual([full.verdict, full.reason], ['PASS', 'no split to check at weight 100%']);
  });

  test('HOLDs when the canary gets far more than its weight', () => {
    assert.equal(
      checkSplit(SETTINGS, null, { weight: 10, canaryRequests: 1500, primaryRequests: 4500 }).verdict,
      'HOLD',
    );
  });
});
