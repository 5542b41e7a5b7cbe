import type { TestContext } from 'node:test';
import { UNREADY_ANNOTATION } from '../../src/devcluster/kwok-stages.js';
import { applyObjects } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { RunningOperator } from '../../src/operator/operator.js';
import { fromConfigMap, MeshTrafficSimulator, simulatorKinds } from '../sim/index.js';
import { ReadinessProber, readyFromConfigMap } from '../sim/readiness-prober.js';
import { startApiCluster, testKubeConfig } from './cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from './fixtures.js';
import { startTestOperator } from './operator.js';
import { startPrometheus, type TestPrometheus } from './prometheus.js';

/** The config the app reads; the simulator and the readiness prober read the same keys. */
export function appProperties(settings: {
  errorRate?: number;
  latencyMs?: number;
  ready?: boolean;
  extra?: string;
}): string {
  return [
    'server.port=8180',
    `errorRate=${settings.errorRate ?? 0}`,
    `latencyMs=${settings.latencyMs ?? 20}`,
    ...(settings.ready === false ? ['ready=false'] : []),
    ...(settings.extra ? [settings.extra] : []),
  ].join('\n');
}

export interface SeedWorld {
  readonly operator: RunningOperator;
  readonly prometheus: TestPrometheus;
  readonly simulator: MeshTrafficSimulator;
  apply(...objects: KubeObject[]): Promise<void>;
}

/**
 * The seed's system in miniature on the real cluster: the account app (ConfigMap-mounted
 * properties, readiness decided by that config), its Canary with the builtin App Mesh metrics, a
 * mesh traffic simulator serving Envoy series by the VirtualRouter weights, a real Prometheus
 * scraping it every second, and the operator querying that Prometheus.
 */
export async function startSeedWorld(
  t: TestContext,
  ns: string,
  options: { analysis?: Record<string, unknown>; config?: string; progressDeadlineSeconds?: number },
): Promise<SeedWorld> {
  const kc = testKubeConfig();
  const apply = (...objects: KubeObject[]) => applyObjects(kc, objects, 'gitops');
  const cluster = await startApiCluster(t, simulatorKinds(), ns);
  const simulator = new MeshTrafficSimulator(
    { cluster },
    {
      namespace: ns,
      services: [{ apex: 'account', port: 8180 }],
      rps: 1000,
      tickMs: 250,
      behaviour: fromConfigMap('application.properties'),
      seed: 7,
    },
  );
  await simulator.start();
  t.after(() => simulator.stop());
  const prober = new ReadinessProber(
    { cluster },
    { namespace: ns, ready: readyFromConfigMap('application.properties') },
  );
  prober.start();
  t.after(() => prober.stop());
  const prometheus = await startPrometheus({ targets: [new URL(simulator.url).host] });
  t.after(() => prometheus.stop());

  await apply(
    appConfigMap(ns, 'account', { 'application.properties': options.config ?? appProperties({}) }),
    appDeployment(ns, 'account', { replicas: 2, annotations: { [UNREADY_ANNOTATION]: 'probe' } }),
    seedLikeCanary(ns, 'account', {
      hpa: false,
      progressDeadlineSeconds: options.progressDeadlineSeconds ?? 60,
      analysis: {
        interval: '3s',
        threshold: 3,
        stepWeight: 20,
        maxWeight: 80,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '10s' },
          { name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' },
        ],
        ...options.analysis,
      },
    }),
  );
  const operator = await startTestOperator(t, ns, { metricsServer: prometheus.url });
  return { operator, prometheus, simulator, apply };
}
