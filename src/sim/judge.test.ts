/**
 * `serin simulate` with the statistical judge: examples/judge's Canary and scenarios, played on the
 * embedded simulator with the scenario's request rates and error rates as counts.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadManifests, loadScenario } from './inputs.js';
import { simulate } from './simulation.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');

async function play(scenario: string) {
  return simulate({
    objects: await loadManifests([join(EXAMPLES, 'judge/canary.yaml'), join(EXAMPLES, 'seed/account.yaml')]),
    scenario: await loadScenario(join(EXAMPLES, 'judge/scenarios', scenario)),
    namespace: 'shop',
  });
}

describe('serin simulate with the statistical judge', () => {
  test("the seed's low success rate (1.3% against the primary's 0.1%) is rolled back at the first judged window, with the counts", async () => {
    const t = await play('low-success-rate.yaml');
    assert.equal(t.verdict.result, 'rolled-back');
    const failed = t.entries.find((e) => e.message?.includes('the judge found the canary worse than the primary'));
    assert.ok(failed, 'the rollback names the judge');
    assert.match(
      failed.message,
      /error ratio canary\/primary 13\.00 is above 1\.10.*canary 39\/3,000 vs primary 27\/27,000 requests/,
    );
    const started = t.entries.find((e) => e.message?.startsWith('Advance account.shop canary weight 10'));
    assert.equal((failed.at ?? 0) - (started?.at ?? 0), 60_000, 'one analysis interval after the first step');
    assert.deepEqual(t.finalRoutes, { primary: 100, canary: 0 });
  });

  test('a release as good as the primary holds its first step until the judge passes it, saying what it still needs, then is promoted', async () => {
    const t = await play('good-release.yaml');
    assert.equal(t.verdict.result, 'promoted');
    const messages = t.entries.map((e) => e.message ?? '');
    const holding = messages.filter((m) => m.startsWith('Holding account.shop at weight 10 until the judge decides'));
    assert.ok(holding.length >= 1);
    assert.match(holding[0]!, /needs ≈ [\d,]+ more canary requests \(≈ \d+ min at 50 req\/s\)/);
    assert.equal(messages.filter((m) => m.startsWith('Judge passed account.shop')).length, 1);
    const advances = messages.filter((m) => m.startsWith('Advance account.shop canary weight'));
    assert.deepEqual(
      advances,
      [10, 25, 50].map((w) => `Advance account.shop canary weight ${w}`),
    );
  });
});
