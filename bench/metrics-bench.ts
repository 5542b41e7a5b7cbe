/**
 * `/metrics` at 5,000 canaries: Flagger's per-canary series (status, weights, two metric values,
 * phase, a duration histogram each, successes), as a scrape renders them. The event loop
 * stands still for as long as a scrape takes, so this is time every reconcile waits once per scrape.
 *
 * - the first scrape (every canary's lines rendered);
 * - a steady scrape (median of 10) with 2% of the Canaries changed since the last one, as in
 *   bench/scale's release stream.
 */
import { performance } from 'node:perf_hooks';
import type { Canary } from '../src/api/index.js';
import { ExpositionRegistry } from '../src/operator/exposition.js';
import { FlaggerMetrics } from '../src/operator/flagger-metrics.js';
import type { Figure } from './run.js';

const CANARIES = 5_000;
const CHANGED = 0.02;
const SCRAPES = 10;

function canary(i: number, value: number): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: `app-${i}`, namespace: `scale-${Math.floor(i / 100)}` },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `app-${i}` }, analysis: {} },
    status: {
      phase: 'Succeeded',
      lastAnalysis: {
        time: `t${value}`,
        checks: [
          { name: 'request-success-rate', kind: 'metric', passed: true, value: 99 + (value % 100) / 100 },
          { name: 'request-duration', kind: 'metric', passed: true, value: 40 + (value % 7) },
        ],
      },
    },
  } as Canary;
}

export async function benchMetrics(): Promise<readonly Figure[]> {
  console.error(`[bench] /metrics at ${CANARIES} canaries`);
  const registry = new ExpositionRegistry();
  const metrics = new FlaggerMetrics(
    registry,
    { strategy: () => 'canary' },
    { version: 'bench', meshProvider: 'gatewayapi' },
  );
  const canaries = Array.from({ length: CANARIES }, (_, i) => canary(i, i));
  for (const c of canaries) {
    metrics.statusWritten({ ...c, status: { phase: 'Progressing' } }, c.status);
    metrics.reconcileEnded(`${c.metadata?.namespace}/${c.metadata?.name}`, 0.3);
  }
  metrics.track({
    canaries: () => canaries,
    routes: () => ({ primary: 100, canary: 0, mirrored: false }),
    isActive: () => true,
  });
  const scrape = async (): Promise<{ ms: number; bytes: number }> => {
    const start = performance.now();
    const text = await registry.metrics();
    return { ms: performance.now() - start, bytes: text.length };
  };
  const first = await scrape();
  const steady: number[] = [];
  for (let s = 0; s < SCRAPES; s++) {
    for (let k = 0; k < CANARIES * CHANGED; k++) {
      const i = Math.floor(Math.random() * CANARIES);
      canaries[i] = canary(i, s * CANARIES + i);
    }
    steady.push((await scrape()).ms);
  }
  steady.sort((a, b) => a - b);
  return [
    { name: 'metrics_scrape_5000_first_ms', value: Math.round(first.ms), unit: 'ms' },
    { name: 'metrics_scrape_5000_steady_ms', value: Math.round(steady[SCRAPES / 2]!), unit: 'ms' },
    { name: 'metrics_scrape_5000_size_mib', value: Math.round((first.bytes / 2 ** 20) * 10) / 10, unit: 'MiB' },
  ];
}
