import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/objects.js';
import type { Scenario } from './scenario.js';
import { simulate } from './simulation.js';

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

interface Case {
  readonly seed: number;
  readonly analysis: Record<string, unknown>;
  readonly maxWeight: number;
  readonly ready: boolean | string;
  readonly successRate: number | 'no-data';
  readonly durationMs: number;
  readonly deadlineSeconds: number;
}

function generate(seed: number): Case {
  const r = random(seed);
  const ladder = r() < 0.3;
  const steps = [1, 5, 10, 20, 30, 50, 70, 80, 100].filter(() => r() < 0.4);
  const stepWeights = steps.length > 0 ? steps : [10, 50];
  const maxWeight = ladder ? Math.min(100, stepWeights.at(-1)!) : pick(r, [30, 50, 60, 80, 100]);
  const analysis = ladder
    ? { interval: pick(r, ['30s', '1m']), threshold: pick(r, [1, 2, 3, 4]), stepWeights }
    : {
        interval: pick(r, ['30s', '1m']),
        threshold: pick(r, [1, 2, 3, 4]),
        stepWeight: pick(r, [5, 10, 20, 25, 30, 33, 50]),
        maxWeight,
      };
  return {
    seed,
    analysis,
    maxWeight,
    ready: pick(r, [true, true, false, '45s', '3m']),
    successRate: pick(r, [100, 99.5, 98, 'no-data']),
    durationMs: pick(r, [100, 100, 600]),
    deadlineSeconds: pick(r, [60, 120, 600]),
  };
}

function inputs(c: Case): { objects: KubeObject[]; scenario: Scenario } {
  const canary: KubeObject = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'app', namespace: 'prop' },
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
      progressDeadlineSeconds: c.deadlineSeconds,
      service: { port: 8080 },
      analysis: {
        ...c.analysis,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
          { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
        ],
      },
    },
  };
  const scenario: Scenario = {
    apiVersion: 'serin.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: `case-${c.seed}` },
    duration: '3h',
    versions: [
      {
        name: 'new',
        when: { image: 'app:2' },
        ready: c.ready,
        metrics: { 'request-success-rate': c.successRate, 'request-duration': c.durationMs },
      },
      { name: 'old', metrics: { 'request-success-rate': 100, 'request-duration': 100 } },
    ],
    steps: [{ at: '1m', setImage: { deployment: 'app', image: 'app:2' } }],
  };
  return { objects: [canary], scenario };
}

const CASES = 60;

test(`over ${CASES} generated releases: weights stay within maxWeight, never reach an unready canary, a rollback restores 100/0, and only a healthy canary is promoted`, async () => {
  const seen: Record<string, number> = {}; // outcomes, to show promotions and rollbacks were both covered
  for (let seed = 1; seed <= CASES; seed++) {
    const c = generate(seed);
    const t = await simulate(inputs(c));
    const where = `case ${seed} ${JSON.stringify(c)}`;
    seen[t.verdict.result] = (seen[t.verdict.result] ?? 0) + 1;
    const readyAfter = c.ready === true ? 0 : c.ready === false ? Infinity : c.ready === '45s' ? 45_000 : 180_000;
    for (const w of t.weights) {
      if (w.phase === 'Progressing' || w.phase === 'WaitingPromotion') {
        assert.ok(w.canaryWeight <= c.maxWeight, `${where}: weight ${w.canaryWeight} > maxWeight at ${w.at}`);
      }
      if (w.canaryWeight > 0) {
        assert.ok(w.at >= 60_000 + readyAfter, `${where}: traffic to a canary that was not ready (at ${w.at})`);
      }
    }
    if (t.verdict.result === 'rolled-back') {
      assert.equal(t.weights.at(-1)?.canaryWeight, 0, `${where}: status weight after rollback`);
      assert.deepEqual(t.finalRoutes, { primary: 100, canary: 0 }, `${where}: routes after rollback`);
    }
    const healthy = c.ready !== false && c.successRate !== 'no-data' && c.successRate >= 99 && c.durationMs <= 500;
    const readyInTime = readyAfter <= c.deadlineSeconds * 1000;
    if (t.verdict.result === 'promoted') {
      assert.ok(healthy, `${where}: promoted an unhealthy canary`);
      assert.deepEqual(t.finalRoutes, { primary: 100, canary: 0 }, `${where}: routes after promotion`);
    } else {
      assert.ok(!healthy || !readyInTime, `${where}: a healthy canary was not promoted (${t.verdict.result})`);
      assert.equal(t.verdict.result, 'rolled-back', `${where}: every release ends (${t.verdict.result})`);
    }
  }
  assert.ok(
    (seen.promoted ?? 0) >= 10 && (seen['rolled-back'] ?? 0) >= 10,
    `both outcomes covered: ${JSON.stringify(seen)}`,
  );
});
