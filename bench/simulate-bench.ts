import type { KubeObject } from '../src/kube/objects.js';
import type { Scenario } from '../src/sim/scenario.js';
import { simulate } from '../src/sim/simulation.js';
import { SimWorld } from '../src/sim/world.js';
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

const FLEET = 1000;

/**
 * 1,000 canaries in one simulated cluster, all released at once: from creating them to every one
 * promoted (wall time). The operator's controller, work queue and engine handle them all.
 */
export async function benchFleet(): Promise<Figure[]> {
  const {
    objects: [template],
    scenario,
  } = thirtyMinuteRelease();
  const world = new SimWorld({
    scenario,
    defaultProvider: 'appmesh:v1beta2',
    startTime: Date.parse('2026-01-01T00:00:00Z'),
  });
  const canaries: KubeObject[] = [];
  for (let i = 0; i < FLEET; i++) {
    const name = `svc-${i}`;
    canaries.push(
      {
        ...template!,
        metadata: { name, namespace: 'fleet' },
        spec: { ...(template!.spec as object), targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name } },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'fleet', labels: { app: name } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'podinfo:6.7.0' }] } },
        },
      },
    );
  }
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  await world.start(canaries);
  world.clock.setTimer(() => {
    for (let i = 0; i < FLEET; i++) {
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'fleet', name: `svc-${i}` };
      const d = world.cluster.get<KubeObject & { spec: { template: { spec: object } } }>(ref)!;
      void world.cluster.patch(ref, {
        spec: {
          template: { spec: { ...d.spec.template.spec, containers: [{ name: `svc-${i}`, image: 'podinfo:6.7.1' }] } },
        },
      });
    }
  }, 60_000);
  const promoted = () =>
    world.cluster
      .list<{ status?: { phase?: string } }>({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary' }, 'fleet')
      .every((c) => c.status?.phase === 'Succeeded');
  await world.run(world.clock.now() + 3 * 3_600_000, promoted);
  world.stop();
  const total = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  if (!promoted()) throw new Error('bench: not every canary of the fleet was promoted');
  const virtualMinutes = (world.clock.now() - Date.parse('2026-01-01T00:00:00Z')) / 60_000;
  // The CPU time beside the wall time: on a machine shared with other work the two part ways.
  console.error(
    `[bench] ${FLEET} canaries initialized, released and promoted in ${virtualMinutes.toFixed(0)} virtual minutes; ` +
      `${Math.round(total)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU`,
  );
  return [{ name: 'simulate_1000_canaries_ms', value: Math.round(total), unit: 'ms' }];
}
