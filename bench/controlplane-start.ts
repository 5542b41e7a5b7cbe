import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ensureControlPlane } from '../src/devcluster/binaries.js';
import { startLocalCluster, stopLocalCluster } from '../src/devcluster/cluster.js';
import type { Figure } from './run.js';

const TRIALS = 5;

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? NaN;
}

/**
 * Warm start-up of the local control plane (binaries cached): from the first process start to a
 * Ready kwok node, over several trials. This is what every `make test` run pays once.
 */
export async function benchControlPlaneStart(): Promise<Figure[]> {
  const files = await ensureControlPlane({ build: true, onProgress: (l) => console.error(l) });
  const times: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const cluster = await startLocalCluster({
      stateDir: join(tmpdir(), `serin-bench-cluster-${process.pid}`),
      files,
      onProgress: () => undefined,
    });
    times.push(cluster.startupMs);
    await stopLocalCluster(cluster);
    console.error(`[bench] control plane start ${i + 1}/${TRIALS}: ${cluster.startupMs} ms`);
  }
  times.sort((a, b) => a - b);
  return [
    { name: 'controlplane_start_p50_ms', value: percentile(times, 50), unit: 'ms' },
    { name: 'controlplane_start_max_ms', value: percentile(times, 100), unit: 'ms' },
  ];
}
