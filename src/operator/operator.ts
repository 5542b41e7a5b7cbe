import { loadKubeAccess, type KubeAccess } from '../kube/kube-access.js';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '../controller/clock.js';
import { CANARY_GVK, type CanaryController } from '../controller/controller.js';
import { analysisIntervalMs } from '../engine/index.js';
import { CanaryMetricsAnalyzer } from '../metrics/analyzer.js';
import { ApiCluster } from '../kube/api-cluster.js';
import type { Gvk } from '../kube/objects.js';
import { KubeRest } from '../kube/rest.js';
import { providerRegistry } from '../routers/providers.js';
import { TargetRegistry } from '../targets/registry.js';
import { AlertDispatcher, type PostJson } from '../alerts/dispatcher.js';
import type { ChatTarget } from '../alerts/payloads.js';
import { postJson } from '../alerts/post.js';
import { cachedKinds, composeController } from './compose.js';
import { startHttpServer } from './http-server.js';
import { OperatorMetrics } from './operator-metrics.js';
import { LeaderElector } from './leader-election.js';
import type { OperatorSettings } from './settings.js';
import { serinVersion } from '../cli/version.js';

/** What `serin operator` runs with: its validated flags (the CLI applies the log level, `--jit` and the memory trim) and what the CLI adds. */
export type OperatorOptions = Omit<OperatorSettings, 'logLevel' | 'jit' | 'memoryTrimIntervalMs'> & {
  /** Where alerts of canaries without `analysis.alerts` go (`--slack-url`, `--msteams-url`). */
  readonly globalNotifier?: ChatTarget | undefined;
  /** How alerts are POSTed; default `postJson` (node:http, src/alerts/post.ts). */
  readonly postAlert?: PostJson;
  /** How long the watch caches may take to fill at start before the operator gives up, ms. Default 2 min. */
  readonly cacheSyncTimeoutMs?: number;
  /** Called when leadership is lost (the CLI exits, as Flagger does); the controller has stopped. */
  readonly onLostLeadership?: () => void;
};

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
  // Not client-node's KubeConfig, which loads that package's whole generated API (src/kube/kube-access.ts).
  const kc = await loadKubeAccess(options.kubeconfig);
  const providers = providerRegistry(options.meshProvider);
  const observed = new OperatorMetrics({ providers }, { version: serinVersion(), meshProvider: options.meshProvider });
  const rest = new KubeRest(kc, observed.apiRequest);
  const targets = new TargetRegistry();
  const { cluster, kinds } = await startCaches(kc, rest, cachedKinds(providers, targets), options, observed, log);

  const metrics = new CanaryMetricsAnalyzer(
    { cluster, providers, watchedNamespace: options.namespace },
    { defaultMetricsServer: options.metricsServer, timeoutMs: 5000 },
  );
  const { controller, alerts, routers } = composeController(
    {
      cluster,
      clock,
      log,
      providers,
      targets,
      metrics,
      checkProviders: (canary, signal) => metrics.checkProviders(canary, signal),
      alerts: new AlertDispatcher(
        { cluster, post: options.postAlert ?? postJson, watchedNamespace: options.namespace },
        { clusterName: options.clusterName, global: options.globalNotifier },
      ),
      served: (gvk) => kinds.some((k) => k.kind === gvk.kind && k.apiVersion === gvk.apiVersion),
      onEventError: (err) => log.warn({ err }, 'recording an event failed'),
      observer: observed,
    },
    {
      target: {
        selectorLabels: options.selectorLabels,
        includeLabelPrefixes: options.includeLabelPrefixes,
        configTracking: options.configTracking,
      },
      concurrency: options.concurrency,
      limits: { analyses: options.maxConcurrentAnalyses, queries: options.maxConcurrentQueries },
      intervalMs: (canary) => Math.max(options.minIntervalMs, analysisIntervalMs(canary.spec, options.minIntervalMs)),
    },
  );
  const elector = startController(controller, rest, options, log);
  observed.track({ cluster, routers, controller, isActive: () => elector?.isLeader ?? true });

  const { server, port } = await startEndpoints(options.port, cluster, observed.registry);
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
      // Alerts already decided are delivered (each send has its own timeout) before the caches go.
      await alerts.drained();
      cluster.stop();
      await new Promise((r) => server.close(r));
      log.info('serin operator stopped');
    },
  };
}

/** Starts the watch caches of every kind the cluster serves; fails when the Canary CRD is missing. */
async function startCaches(
  kc: KubeAccess,
  rest: KubeRest,
  { required, optional }: ReturnType<typeof cachedKinds>,
  options: OperatorOptions,
  observed: OperatorMetrics,
  log: Logger,
): Promise<{ cluster: ApiCluster; kinds: Gvk[] }> {
  if ((await servedKinds(rest, [CANARY_GVK], log)).length === 0) {
    throw new OperatorStartError(
      'the Canary CRD (canaries.flagger.app) is not served by this cluster; apply deploy/crds/all.yaml first',
    );
  }
  const kinds = [...required, ...(await servedKinds(rest, optional, log))];
  const cluster = new ApiCluster(kc, {
    kinds,
    namespace: options.namespace,
    onWatchRestart: (gvk, error, attempt) => {
      observed.watchRestarted(gvk.kind);
      log.warn({ kind: gvk.kind, error, attempt }, 'watch restarted');
    },
    onApiRequest: observed.apiRequest,
    fieldSelectors: CACHE_FIELD_SELECTORS,
  });
  observed.watching(kinds.map((k) => k.kind));
  log.info({ kinds: kinds.map((k) => k.kind), namespace: options.namespace ?? '*' }, 'starting caches');
  await syncedWithin(cluster, options.cacheSyncTimeoutMs ?? CACHE_SYNC_TIMEOUT_MS);
  return { cluster, kinds };
}

/**
 * Secrets no pod template mounts and that are large: Helm keeps every release of every chart as one
 * (the whole rendered manifest, compressed; often tens of KiB each, hundreds in a busy cluster).
 */
const CACHE_FIELD_SELECTORS: Readonly<Record<string, string>> = { 'v1/Secret': 'type!=helm.sh/release.v1' };

/** How long the watch caches may take to fill before the operator gives up (controller-runtime's default). */
const CACHE_SYNC_TIMEOUT_MS = 120_000;

/**
 * Starts the caches and waits until each holds its first list; past `timeoutMs` the operator stops
 * with the kinds that never filled and why (a watch it may not list fails forever, and an operator
 * that only waits looks alive while it does nothing).
 */
async function syncedWithin(cluster: ApiCluster, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const outcome = await Promise.race([cluster.start().then(() => 'synced' as const), late]);
  clearTimeout(timer);
  if (outcome === 'synced') return;
  const unsynced = Object.entries(cluster.health()).filter(([, h]) => !h.synced);
  cluster.stop();
  const why = unsynced.map(([kind, h]) => `${kind}: ${h.lastError ?? 'no answer yet'}`).join('; ');
  throw new OperatorStartError(
    `the watch caches did not fill within ${Math.round(timeoutMs / 1000)}s (${why}); ` +
      'if a list is forbidden, grant the operator get, list and watch on it (deploy/rbac.yaml)',
  );
}

/** Starts the controller now, or each time this replica wins the election (`--enable-leader-election`). */
function startController(
  controller: CanaryController,
  rest: KubeRest,
  options: OperatorOptions,
  log: Logger,
): LeaderElector | undefined {
  if (!options.leaderElection) {
    controller.start();
    return undefined;
  }
  const elector = new LeaderElector({ rest, log }, options.leaderElection);
  log.info({ identity: elector.identity, namespace: options.leaderElection.namespace }, 'campaigning for leader');
  elector.run({
    onElected: () => controller.start(),
    onLost: () => {
      controller.stop();
      options.onLostLeadership?.();
    },
  });
  return elector;
}

/** `/metrics` (docs/operator.md lists the series), `/healthz` and `/readyz` (every watch cache synced). */
async function startEndpoints(
  port: number,
  cluster: ApiCluster,
  registry: Registry,
): Promise<{ server: Server; port: number }> {
  const server: Server = await startHttpServer(port, {
    registry,
    ready: () => Object.values(cluster.health()).every((h) => h.synced),
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}

/** The operator cannot start on this cluster (a missing CRD); the message says what to do. */
export class OperatorStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorStartError';
  }
}
