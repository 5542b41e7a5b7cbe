import type { Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ALERT_PROVIDER_KIND, createValidators, FLAGGER_API_VERSION, type Canary } from '../api/index.js';
import { systemClock, type Clock } from '../controller/clock.js';
import { CANARY_GVK, CONFIGMAP_GVK, CanaryController, DEPLOYMENT_GVK, SECRET_GVK } from '../controller/controller.js';
import { EventRecorder } from '../controller/event-recorder.js';
import { Reconciler } from '../controller/reconciler.js';
import { analysisIntervalMs, judgeMetric } from '../engine/index.js';
import { CheckRunner } from '../hooks/check-runner.js';
import { CanaryMetricsAnalyzer, METRICS_KINDS } from '../metrics/analyzer.js';
import { ApiCluster } from '../kube/api-cluster.js';
import type { Gvk } from '../kube/objects.js';
import { KubeRest } from '../kube/rest.js';
import { AppMeshRouter, APPMESH_KINDS } from '../routers/appmesh.js';
import { KubernetesServices } from '../routers/kubernetes-services.js';
import type { TrafficRouter } from '../routers/router.js';
import { DeploymentTarget } from '../targets/deployment.js';
import { AlertDispatcher, type PostJson } from '../alerts/dispatcher.js';
import type { ChatTarget } from '../alerts/payloads.js';
import { postJson } from '../alerts/post.js';
import { startHttpServer } from './http-server.js';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.js';

/** Settings of `serin operator`, validated and defaulted by the CLI. */
export interface OperatorOptions {
  /** Path of a kubeconfig; in-cluster config when unset. */
  readonly kubeconfig?: string | undefined;
  /** Watch only this namespace; all when unset. */
  readonly namespace?: string | undefined;
  /** Provider for canaries that name none. Default `appmesh:v1beta2`. */
  readonly meshProvider: string;
  /** Prometheus URL for builtin metrics (used from issue #4 on). */
  readonly metricsServer: string;
  /** Port of /metrics, /healthz, /readyz; 0 picks a free one. */
  readonly port: number;
  /** Shortest analysis interval honoured, ms. Flagger's is 10 s; tests lower it. */
  readonly minIntervalMs: number;
  /** Pod label keys searched on the target's selector, in order. */
  readonly selectorLabels: readonly string[];
  /** Label/annotation key prefixes copied to primary workloads (`*` = all). */
  readonly includeLabelPrefixes: readonly string[];
  /** Track ConfigMaps/Secrets as part of the revision. Default true. */
  readonly configTracking: boolean;
  /** Canaries reconciled at once. */
  readonly concurrency: number;
  /** `--cluster-name`: a `Cluster` field in every alert. */
  readonly clusterName?: string | undefined;
  /** Where alerts of canaries without `analysis.alerts` go (`--slack-url`, `--msteams-url`). */
  readonly globalNotifier?: ChatTarget | undefined;
  /** How alerts are POSTed; default undici. */
  readonly postAlert?: PostJson;
  /** Run only while holding the Lease (`--enable-leader-election`); unset: always run. */
  readonly leaderElection?: LeaderElectionOptions | undefined;
  /** Called when leadership is lost (the CLI exits, as Flagger does); the controller has stopped. */
  readonly onLostLeadership?: () => void;
}

export interface RunningOperator {
  readonly port: number;
  /** Is this replica acting (always true without leader election)? */
  isLeader(): boolean;
  /** This replica's identity in the election (undefined without it). */
  readonly identity?: string | undefined;
  readonly controller: CanaryController;
  readonly cluster: ApiCluster;
  stop(): Promise<void>;
}

const ALERT_PROVIDER_GVK: Gvk = { apiVersion: FLAGGER_API_VERSION, kind: ALERT_PROVIDER_KIND };

const BASE_KINDS: readonly Gvk[] = [
  CANARY_GVK,
  DEPLOYMENT_GVK,
  CONFIGMAP_GVK,
  SECRET_GVK,
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
];

/** Kinds whose API the cluster serves; App Mesh CRDs may be absent (then App Mesh canaries report it). */
async function servedKinds(rest: KubeRest, kinds: readonly Gvk[], log: Logger): Promise<Gvk[]> {
  const served: Gvk[] = [];
  for (const gvk of kinds) {
    try {
      await rest.collectionPath(gvk.apiVersion, gvk.kind);
      served.push(gvk);
    } catch (err) {
      log.warn(
        { kind: gvk.kind, apiVersion: gvk.apiVersion, err: (err as Error).message },
        'kind not served; skipping',
      );
    }
  }
  return served;
}

/** Wires the operator: caches, adapters, reconciler, controller, HTTP endpoints. */
export async function startOperator(
  options: OperatorOptions,
  log: Logger,
  clock: Clock = systemClock,
): Promise<RunningOperator> {
  const kc = new KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  const rest = new KubeRest(kc);
  const optional = [
    ...APPMESH_KINDS,
    ...METRICS_KINDS.filter((k) => !BASE_KINDS.some((b) => b.kind === k.kind)),
    ALERT_PROVIDER_GVK,
  ];
  const kinds = [...BASE_KINDS, ...(await servedKinds(rest, optional, log))];
  for (const required of BASE_KINDS.slice(0, 1)) {
    if (!kinds.includes(required))
      throw new Error('the Canary CRD (canaries.flagger.app) is not installed; apply deploy/crds/all.yaml');
  }
  const cluster = new ApiCluster(kc, {
    kinds,
    namespace: options.namespace,
    onWatchRestart: (gvk, error, attempt) => log.warn({ kind: gvk.kind, error, attempt }, 'watch restarted'),
  });
  log.info({ kinds: kinds.map((k) => k.kind), namespace: options.namespace ?? '*' }, 'starting caches');
  await cluster.start();

  const appMeshServed = kinds.some((k) => k.apiVersion === 'appmesh.k8s.aws/v1beta2');
  const appMesh = appMeshServed ? new AppMeshRouter({ cluster }) : undefined;
  const routers: Record<string, TrafficRouter | undefined> = { appmesh: appMesh, 'appmesh:v1beta2': appMesh };
  const metrics = new CanaryMetricsAnalyzer(
    { cluster },
    { defaultMetricsServer: options.metricsServer, defaultProvider: options.meshProvider, timeoutMs: 5000 },
  );
  const events = new EventRecorder({ cluster, clock }, (err) => log.warn({ err }, 'recording an event failed'));
  const reconciler = new Reconciler(
    {
      cluster,
      target: new DeploymentTarget(
        { cluster },
        {
          selectorLabels: options.selectorLabels,
          includeLabelPrefixes: options.includeLabelPrefixes,
          configTracking: options.configTracking,
        },
      ),
      services: new KubernetesServices({ cluster }),
      router: (provider) => routers[provider],
      checks: new CheckRunner({ metrics, judge: judgeMetric, defaultProvider: options.meshProvider }),
      checkProviders: (canary, signal) => metrics.checkProviders(canary, signal),
      events,
      clock,
      log,
      validate: createValidators().canary,
      alerts: new AlertDispatcher(
        { cluster, post: options.postAlert ?? postJson },
        { clusterName: options.clusterName, global: options.globalNotifier },
      ),
    },
    { defaultProvider: options.meshProvider },
  );
  const controller = new CanaryController(
    { cluster, reconciler, clock, log },
    {
      intervalMs: (canary: Canary) =>
        Math.max(options.minIntervalMs, analysisIntervalMs(canary.spec, options.minIntervalMs)),
      concurrency: options.concurrency,
      ownedKinds: kinds.filter(
        (k) => k.kind !== CANARY_GVK.kind && k.kind !== 'Deployment' && k.kind !== 'ConfigMap' && k.kind !== 'Secret',
      ),
    },
  );
  const elector = options.leaderElection ? new LeaderElector({ rest, log }, options.leaderElection) : undefined;
  if (elector) {
    log.info({ identity: elector.identity, namespace: options.leaderElection?.namespace }, 'campaigning for leader');
    elector.run({
      onElected: () => controller.start(),
      onLost: () => {
        controller.stop();
        options.onLostLeadership?.();
      },
    });
  } else {
    controller.start();
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'serin_' });
  const server: Server = await startHttpServer(options.port, {
    registry,
    ready: () => Object.values(cluster.health()).every((h) => h.synced),
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ port, meshProvider: options.meshProvider }, 'serin operator started');
  return {
    port,
    isLeader: () => elector?.isLeader ?? true,
    identity: elector?.identity,
    controller,
    cluster,
    stop: async () => {
      controller.stop();
      await elector?.stop();
      cluster.stop();
      await metrics.close();
      await new Promise((r) => server.close(r));
      log.info('serin operator stopped');
    },
  };
}
