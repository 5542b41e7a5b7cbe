/**
 * Everything `/metrics` serves: Node's process metrics (prefix `serin_`), Flagger's operator
 * metrics ({@link FlaggerMetrics}) and Serin's own ({@link SerinMetrics}), on one registry of this
 * operator (no global registry: several operators in one process each keep their own). It is the
 * controller's {@link ReleaseObserver}, and hears the REST client and the watch caches.
 */
import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics } from 'prom-client';
import type { Canary, CanaryStatus } from '../api/index.js';
import { CANARY_GVK, type CanaryController } from '../controller/controller.js';
import type { Trigger } from '../controller/reconciler.js';
import { strategyOf, type Strategy } from '../engine/index.js';
import type { Routes } from '../engine/model.js';
import type { Cluster } from '../kube/cluster.js';
import type { ApiRequestRecord } from '../kube/rest.js';
import type { ProviderRegistry, RouterSet } from '../routers/registry.js';
import type { ReleaseObserver } from './compose.js';
import { ExpositionRegistry } from './exposition.js';
import { FlaggerMetrics, type FlaggerInfo } from './flagger-metrics.js';
import { SerinMetrics } from './serin-metrics.js';

/** What the per-canary series are read from, once the controller is built. */
export interface TrackedOperator {
  readonly cluster: Cluster;
  readonly routers: RouterSet;
  readonly controller: CanaryController;
  /** Whether this replica acts (the leader); a standby exports no per-canary series. */
  readonly isActive: () => boolean;
}

/** The operator's metrics registry and the hooks that feed it. */
export class OperatorMetrics implements ReleaseObserver {
  readonly registry = new ExpositionRegistry();
  private readonly flagger: FlaggerMetrics;
  private readonly serin: SerinMetrics;

  constructor(deps: { readonly providers: ProviderRegistry }, info: FlaggerInfo) {
    collectDefaultMetrics({ register: this.registry, prefix: 'serin_' });
    const strategy = (canary: Canary): Strategy =>
      strategyOf(canary.spec, deps.providers.resolve(canary).routing).strategy;
    this.flagger = new FlaggerMetrics(this.registry, { strategy }, info);
    this.serin = new SerinMetrics(this.registry);
  }

  /** For the REST clients (a bound function: it is handed over as a callback). */
  readonly apiRequest = (record: ApiRequestRecord): void => this.serin.apiRequest(record);

  /** The kinds whose watches are counted, each from 0. */
  watching(kinds: readonly string[]): void {
    this.serin.watching(kinds);
  }

  watchRestarted(kind: string): void {
    this.serin.watchRestarted(kind);
  }

  statusWritten(canary: Canary, status: CanaryStatus | undefined): void {
    this.flagger.statusWritten(canary, status);
  }

  reconcileStarted(key: string, trigger: Trigger, lateMs?: number): (result: 'success' | 'error') => void {
    if (lateMs !== undefined) this.serin.tickStarted(lateMs / 1000);
    const start = performance.now();
    return (result) => {
      const seconds = (performance.now() - start) / 1000;
      this.serin.reconcileEnded(trigger, result, seconds);
      this.flagger.reconcileEnded(key, seconds);
    };
  }

  analysisEnded(seconds: number): void {
    this.serin.analysisEnded(seconds);
  }

  /** Starts the series read at scrape time: per-canary gauges from the cache, the queue depth. */
  track(operator: TrackedOperator): void {
    const { cluster, routers } = operator;
    this.flagger.track({
      canaries: () => cluster.list<Canary>(CANARY_GVK),
      routes: (canary) => currentRoutes(routers, canary),
      isActive: operator.isActive,
    });
    this.serin.trackQueue(() => operator.controller.queueDepth());
  }
}

/** The weights the canary's router reads from the cache, as Flagger's `GetRoutes` each tick. */
function currentRoutes(routers: RouterSet, canary: Canary): Routes | undefined {
  try {
    const router = routers.routerFor(routers.registry.resolve(canary));
    if (!router.ok) return undefined;
    const routes = router.router.routes(canary);
    return 'error' in routes ? undefined : routes;
  } catch {
    // A malformed routing object must not fail the whole scrape; the canary reports it itself.
    return undefined;
  }
}
