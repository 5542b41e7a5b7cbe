import type { TestContext } from 'node:test';
import { UNREADY_ANNOTATION } from '../../src/devcluster/kwok-stages.js';
import { applyObjects } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { RunningOperator } from '../../src/operator/operator.js';
import { fromConfigMap, MeshTrafficSimulator, simulatorKinds, TrafficProvider } from '../sim/index.js';
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

export interface SeedWorldOptions {
  /** How traffic is split: App Mesh (the seed's) or Gateway API (its successor). Default App Mesh. */
  readonly provider?: TrafficProvider;
  readonly analysis?: Record<string, unknown>;
  readonly config?: string;
  readonly progressDeadlineSeconds?: number;
  /** Replicas of the account Deployment (so of the primary and the canary). Default 2. */
  readonly replicas?: number;
  /** The traffic simulator's load, seed and split skew; defaults as in {@link startSeedWorld}. */
  readonly traffic?: SeedWorldTraffic;
}

/** How the seed world's simulated mesh sends traffic. */
export interface SeedWorldTraffic {
  /** Requests per second to the account service. Default 4000. */
  readonly rps?: number;
  /** Seed of the simulator's pseudo-random traffic. Default 7. */
  readonly seed?: number;
  /** Share of the canary's routed requests that reach it (see `SimulatedService.canaryShareFactor`). Default 1. */
  readonly canaryShareFactor?: number;
}

/** The account app (ConfigMap, Deployment with 2 replicas whose readiness the prober decides) and its Canary. */
export function seedWorldObjects(ns: string, options: SeedWorldOptions = {}): KubeObject[] {
  return [
    appConfigMap(ns, 'account', { 'application.properties': options.config ?? appProperties({}) }),
    appDeployment(ns, 'account', { replicas: options.replicas ?? 2, annotations: { [UNREADY_ANNOTATION]: 'probe' } }),
    seedWorldCanary(ns, options),
  ];
}

/** The seed's Canary with 3 s intervals and the builtin App Mesh metrics; `analysis` overrides fields. */
export function seedWorldCanary(ns: string, options: SeedWorldOptions = {}): KubeObject {
  return seedLikeCanary(ns, 'account', {
    hpa: false,
    ...(options.provider === TrafficProvider.GatewayApi ? { spec: GATEWAY_SPEC } : {}),
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
  });
}

/** The same Canary on Gateway API: an HTTPRoute attached to a Gateway, no App Mesh backends. */
const GATEWAY_SPEC = {
  provider: 'gatewayapi:v1',
  service: { port: 8180, hosts: ['account.example.com'], gatewayRefs: [{ name: 'public', namespace: 'gateways' }] },
};

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
export async function startSeedWorld(t: TestContext, ns: string, options: SeedWorldOptions): Promise<SeedWorld> {
  const kc = testKubeConfig();
  const apply = (...objects: KubeObject[]) => applyObjects(kc, objects, 'gitops');
  const provider = options.provider ?? TrafficProvider.AppMesh;
  const cluster = await startApiCluster(t, simulatorKinds(provider), ns);
  const simulator = new MeshTrafficSimulator(
    { cluster },
    {
      namespace: ns,
      services: [
        {
          apex: 'account',
          port: 8180,
          ...(options.traffic?.canaryShareFactor !== undefined
            ? { canaryShareFactor: options.traffic.canaryShareFactor }
            : {}),
        },
      ],
      // Enough traffic that the canary's share (20% at the first step) shows a 0.5% error rate in
      // the few seconds before the first check: a window without a single error would pass it.
      rps: options.traffic?.rps ?? 4000,
      tickMs: 250,
      behaviour: fromConfigMap('application.properties'),
      seed: options.traffic?.seed ?? 7,
      provider,
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
  // Scraped every 500 ms so that the first check after the first step (3 s later) finds the
  // canary's series with enough samples for rate(), as a minute-long interval would in production.
  const prometheus = await startPrometheus({ targets: [new URL(simulator.url).host], scrapeInterval: '500ms' });
  t.after(() => prometheus.stop());

  await apply(...seedWorldObjects(ns, options));
  const operator = await startTestOperator(t, ns, { metricsServer: prometheus.url });
  return { operator, prometheus, simulator, apply };
}
