import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { destination, pino } from 'pino';
import { ensureControlPlane } from '../src/devcluster/binaries.js';
import { startLocalCluster, stopLocalCluster } from '../src/devcluster/cluster.js';
import { installCrds } from '../src/devcluster/install-crds.js';
import { applyObjects } from '../src/kube/apply.js';
import { KubeRest } from '../src/kube/rest.js';
import { startOperator } from '../src/operator/operator.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../test/support/fixtures.js';
import type { Figure } from './run.js';

const TRIALS = 25;
const STEADY_TICKS = 10;
const NS = 'bench';
/** Resources the operator reads; GET/LIST on them by anyone else here is not expected. */
const READ_RESOURCES = new Set([
  'canaries',
  'deployments',
  'services',
  'configmaps',
  'secrets',
  'horizontalpodautoscalers',
  'virtualnodes',
  'virtualrouters',
  'virtualservices',
]);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Sum of apiserver_request_total for GET and LIST on the operator's resources. */
async function readRequests(rest: KubeRest): Promise<number> {
  const text = (await rest.request('/metrics', { accept: 'text/plain' })).body;
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1];
    const resource = /resource="([a-z]+)"/.exec(line)?.[1] ?? '';
    if ((verb === 'GET' || verb === 'LIST') && READ_RESOURCES.has(resource)) total += Number(line.split(' ').pop());
  }
  return total;
}

/** Reads the Canary's status; `polls.count` tallies the bench's own GETs, subtracted from the apiserver's count. */
async function canaryStatus(rest: KubeRest, polls: { count: number }) {
  polls.count++;
  return (
    await rest.json<{ status?: { phase?: string; canaryWeight?: number } }>(
      `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries/account`,
    )
  ).status;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('bench: timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * On the real local control plane: (1) how fast a new revision is noticed — a pod-template change
 * to the "New revision detected" Event, from the watch, not a tick (the interval is 1 m); (2) how
 * many read requests the operator sends the API server per steady analysis tick.
 */
export async function benchOperator(): Promise<Figure[]> {
  const files = await ensureControlPlane({ build: true, onProgress: (l) => console.error(l) });
  const cluster = await startLocalCluster({
    stateDir: join(tmpdir(), `serin-bench-op-${process.pid}`),
    files,
    onProgress: () => undefined,
  });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    await installCrds(kc, files);
    const rest = new KubeRest(kc);
    const polls = { count: 0 };
    await rest.json('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } } });
    await applyObjects(kc, [appConfigMap(NS, 'account', { k: 'v' }), appDeployment(NS, 'account', { replicas: 1 })]);
    await applyObjects(kc, [
      seedLikeCanary(NS, 'account', { hpa: false, analysis: { interval: '1m', stepWeight: 1, maxWeight: 100 } }),
    ]);
    const log = pino({ level: 'warn' }, destination(join(tmpdir(), `serin-bench-operator-${process.pid}.log`)));
    const operator = await startOperator(
      {
        kubeconfig: cluster.kubeconfig,
        namespace: NS,
        meshProvider: 'appmesh:v1beta2',
        metricsServer: 'http://127.0.0.1:9',
        port: 0,
        minIntervalMs: 1000,
        selectorLabels: ['app'],
        includeLabelPrefixes: [],
        configTracking: true,
        concurrency: 4,
        maxConcurrentAnalyses: 4,
        maxConcurrentQueries: 8,
      },
      log,
    );
    try {
      await until(async () => ((await canaryStatus(rest, polls))?.phase === 'Initialized' ? true : undefined));
      const latencies: number[] = [];
      const eventsPath = `/api/v1/namespaces/${NS}/events`;
      for (let i = 0; i < TRIALS; i++) {
        const before = new Set(
          (await rest.json<{ items: { metadata: { name: string; resourceVersion: string } }[] }>(eventsPath)).items.map(
            (e) => `${e.metadata.name}@${e.metadata.resourceVersion}`,
          ),
        );
        const started = performance.now();
        await rest.json(`/apis/apps/v1/namespaces/${NS}/deployments/account`, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          body: { spec: { template: { metadata: { annotations: { 'bench/trial': String(i) } } } } },
        });
        await until(async () => {
          const events = await rest.json<{
            items: { message: string; metadata: { name: string; resourceVersion: string } }[];
          }>(eventsPath);
          return events.items.some(
            (e) =>
              /New revision detected/.test(e.message) &&
              !before.has(`${e.metadata.name}@${e.metadata.resourceVersion}`),
          )
            ? true
            : undefined;
        }, 10_000);
        latencies.push(performance.now() - started);
        console.error(`[bench] revision detection ${i + 1}/${TRIALS}: ${latencies.at(-1)!.toFixed(0)} ms`);
      }
      latencies.sort((a, b) => a - b);

      // Steady ticks: a 1 s interval, weights stepping by 1, nothing else changing.
      await applyObjects(kc, [
        seedLikeCanary(NS, 'account', { hpa: false, analysis: { interval: '1s', stepWeight: 1, maxWeight: 100 } }),
      ]);
      await until(async () => (((await canaryStatus(rest, polls))?.canaryWeight ?? 0) >= 2 ? true : undefined));
      const w0 = (await canaryStatus(rest, polls))?.canaryWeight ?? 0;
      const r0 = await readRequests(rest);
      const b0 = polls.count;
      await until(async () =>
        ((await canaryStatus(rest, polls))?.canaryWeight ?? 0) >= w0 + STEADY_TICKS ? true : undefined,
      );
      const r1 = await readRequests(rest);
      const own = polls.count - b0;
      const ticks = ((await canaryStatus(rest, polls))?.canaryWeight ?? 0) - w0;
      const operatorReads = r1 - r0 - own;
      console.error(
        `[bench] ${r1 - r0} GET/LIST on operator resources over ${ticks} ticks, ${own} of them the bench's own polls`,
      );
      return [
        { name: 'detection_p50_ms', value: Math.round(percentile(latencies, 50)), unit: 'ms' },
        { name: 'detection_p99_ms', value: Math.round(percentile(latencies, 99)), unit: 'ms' },
        { name: 'reads_per_steady_tick', value: Number((operatorReads / ticks).toFixed(2)), unit: 'requests' },
      ];
    } finally {
      await operator.stop();
    }
  } finally {
    await stopLocalCluster(cluster);
  }
}
