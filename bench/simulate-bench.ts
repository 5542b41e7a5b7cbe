import type { KubeObject } from '../src/kube/objects.js';
import type { Scenario } from '../src/sim/scenario.js';
import { simulate } from '../src/sim/simulation.js';
import type { Figure } from './run.js';

const TRIALS = 5;

/** A release of about 30 virtual minutes: 1 m interval, 4% steps to 100%, then promotion. */
function thirtyMinuteRelease(): { objects: KubeObject[]; scenario: Scenario } {
  const canary: KubeObject = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'bench' },
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: {
        interval: '1m',
        threshold: 3,
        stepWeight: 4,
        maxWeight: 100,
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
    metadata: { name: 'thirty-minutes' },
    duration: '2h',
    versions: [{ name: 'healthy', metrics: { 'request-success-rate': 99.9, 'request-duration': 150 } }],
    steps: [{ at: '1m', setImage: { deployment: 'podinfo', image: 'podinfo:6.7.1' } }],
  };
  return { objects: [canary], scenario };
}

/** Wall time to simulate a 30-minute release (median of several runs, after one warm-up). */
export async function benchSimulate(): Promise<Figure[]> {
  const input = thirtyMinuteRelease();
  const warm = await simulate(input);
  if (warm.verdict.result !== 'promoted' || warm.durationMs < 25 * 60_000) {
    throw new Error(
      `bench: expected a ~30 min promotion, got ${warm.verdict.result} after ${warm.durationMs / 60_000} min`,
    );
  }
  const times: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const started = performance.now();
    await simulate(input);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.error(
    `[bench] simulated ${(warm.durationMs / 60_000).toFixed(1)} virtual minutes; runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
  );
  return [{ name: 'simulate_30min_ms', value: Math.round(times[Math.floor(TRIALS / 2)] ?? NaN), unit: 'ms' }];
}
