/**
 * The one composition of Serin's controller: registries, routers, targets, services, checks,
 * status writer, alert queue, reconciler and controller. `serin operator` wires it to the real
 * cluster, `serin simulate` (and the benchmarks) to the in-memory one, so the two cannot drift.
 */
import type { Logger } from 'pino';
import {
  ALERT_PROVIDER_KIND,
  createValidators,
  type Validators,
  FLAGGER_API_VERSION,
  type Canary,
  type CanaryStatus,
} from '../api/index.js';
import type { AlertDispatcher } from '../alerts/dispatcher.js';
import { AlertQueue } from '../controller/alert-queue.js';
import { CheckRunner, type WebhookCaller } from '../controller/check-runner.js';
import { Semaphore } from '../lib/semaphore.js';
import type { Clock } from '../controller/clock.js';
import { CANARY_GVK, CanaryController } from '../controller/controller.js';
import { EventRecorder } from '../controller/event-recorder.js';
import { Reconciler, type ReconcilerDeps, type Trigger } from '../controller/reconciler.js';
import { StatusWriter } from '../controller/status-writer.js';
import { judgeMetric } from '../engine/index.js';
import type { Cluster } from '../kube/cluster.js';
import type { Gvk } from '../kube/objects.js';
import { METRIC_TEMPLATE_GVK } from '../metrics/analyzer.js';
import type { MetricsAnalyzer } from '../metrics/port.js';
import { KubernetesServices } from '../routers/kubernetes-services.js';
import { RouterSet, type ProviderRegistry } from '../routers/registry.js';
import type { TargetRegistry, TargetSet } from '../targets/registry.js';
import type { TargetOptions } from '../targets/target.js';
import { EventHooks } from '../hooks/event-hooks.js';

/** The Service kind: the apex, `-primary` and `-canary` Services every provider needs. */
export const SERVICE_GVK: Gvk = { apiVersion: 'v1', kind: 'Service' };
/** AlertProviders, read for `analysis.alerts`. */
export const ALERT_PROVIDER_GVK: Gvk = { apiVersion: FLAGGER_API_VERSION, kind: ALERT_PROVIDER_KIND };

/** The kinds the operator caches: those it cannot run without, and those a cluster may not serve. */
export function cachedKinds(
  providers: ProviderRegistry,
  targets: TargetRegistry,
): { readonly required: Gvk[]; readonly optional: Gvk[] } {
  const required = [CANARY_GVK, ...targets.kinds(), SERVICE_GVK];
  const has = (g: Gvk) => required.some((r) => r.kind === g.kind && r.apiVersion === g.apiVersion);
  const optional = [...providers.kinds(), ...targets.optionalKinds(), METRIC_TEMPLATE_GVK, ALERT_PROVIDER_GVK].filter(
    (g) => !has(g),
  );
  return { required, optional };
}

/** Hears what the controller does, for the operator's metrics; `serin simulate` has none. */
export interface ReleaseObserver {
  /** A status landed: the canary as the tick read it (its previous status) and the status written. */
  statusWritten(canary: Canary, status: CanaryStatus | undefined): void;
  /**
   * A reconcile of `key` (`namespace/name`) starts, `lateMs` after its tick was due (ticks only); the
   * function returned hears how it ended.
   */
  reconcileStarted(key: string, trigger: Trigger, lateMs?: number): (result: 'success' | 'error') => void;
  /** One canary's analysis (rollout hooks and metric checks) took `seconds`. */
  analysisEnded(seconds: number): void;
}

/** The ports the composition is wired to. */
export interface ComposeDeps {
  /** Must cache the kinds of {@link cachedKinds} (the optional ones where served). */
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly log: Logger;
  readonly providers: ProviderRegistry;
  readonly targets: TargetRegistry;
  /** Measures metrics: Prometheus and templates in the operator, the scenario's values in simulate. */
  readonly metrics: MetricsAnalyzer;
  /** Calls webhooks; default HTTP. */
  readonly callWebhook?: WebhookCaller;
  /** Are the canary's metric providers reachable (reported while initializing)? */
  readonly checkProviders?: ReconcilerDeps['checkProviders'];
  /** Sends alerts to chat; without it alerts only go to the log. */
  readonly alerts?: AlertDispatcher | undefined;
  /** Whether the cluster serves a kind (a provider whose kinds are not served has no router). */
  readonly served?: (gvk: Gvk) => boolean;
  /** Called when recording an event fails (it never fails a tick). */
  readonly onEventError?: (err: unknown) => void;
  /** Hears status writes and reconciles (the operator's metrics). */
  readonly observer?: ReleaseObserver;
  /** Validates Canaries; default compiled here. `serin simulate` passes one set kept across simulations. */
  readonly validators?: Validators;
}

/** Plain settings of the composition. */
export interface ComposeOptions {
  readonly target: TargetOptions;
  /** Canaries reconciled at once. */
  readonly concurrency: number;
  /** At most this many analyses and metric queries at once; unbounded when unset (`serin simulate`). */
  readonly limits?: { readonly analyses: number; readonly queries: number };
  /** The tick period of a canary, ms. */
  readonly intervalMs: (canary: Canary) => number;
  /**
   * Reconcile at once when an object a Canary owns (Service, routing object) changes, to put someone
   * else's edit right. Default true. `serin simulate` turns it off: in its cluster nothing but Serin
   * writes those objects, so each such event would only echo Serin's own write (a third of its time).
   */
  readonly watchOwned?: boolean;
}

/** What the composition built. */
export interface Composed {
  readonly controller: CanaryController;
  readonly reconciler: Reconciler;
  readonly routers: RouterSet;
  readonly targets: TargetSet;
  readonly alerts: AlertQueue;
}

/** Builds the controller and everything it drives. Nothing starts until `controller.start()`. */
export function composeController(deps: ComposeDeps, options: ComposeOptions): Composed {
  const { cluster, clock, log } = deps;
  const routers = new RouterSet(deps.providers, cluster, deps.served);
  const targets = deps.targets.bind(cluster, options.target, deps.served);
  const events = new EventRecorder({ cluster, clock }, deps.onEventError ?? (() => undefined));
  const { observer } = deps;
  const status = new StatusWriter({
    cluster,
    events,
    clock,
    eventHooks: new EventHooks(log, () => clock.now()),
    ...(observer ? { onWritten: (c: Canary, s: CanaryStatus | undefined) => observer.statusWritten(c, s) } : {}),
  });
  const alerts = new AlertQueue({ alerts: deps.alerts, log, warn: (c, m) => status.event(c, 'Warning', m) });
  const reconciler = new Reconciler({
    cluster,
    targets,
    services: new KubernetesServices({ cluster }),
    routers,
    checks: new CheckRunner({
      metrics: deps.metrics,
      judge: judgeMetric,
      providers: deps.providers,
      ...(deps.callWebhook ? { callWebhook: deps.callWebhook } : {}),
      ...(observer ? { onAnalysis: (seconds: number) => observer.analysisEnded(seconds) } : {}),
      ...(options.limits
        ? {
            limits: {
              analyses: new Semaphore(options.limits.analyses),
              queries: new Semaphore(options.limits.queries),
            },
          }
        : {}),
    }),
    status,
    alerts,
    clock,
    log,
    validate: (deps.validators ?? createValidators()).canary,
    ...(deps.checkProviders ? { checkProviders: deps.checkProviders } : {}),
  });
  const served = deps.served ?? (() => true);
  const controller = new CanaryController(
    {
      cluster,
      reconciler,
      targets,
      clock,
      log,
      ...(observer
        ? { onReconcile: (key: string, t: Trigger, lateMs?: number) => observer.reconcileStarted(key, t, lateMs) }
        : {}),
    },
    {
      intervalMs: options.intervalMs,
      concurrency: options.concurrency,
      ownedKinds:
        options.watchOwned === false
          ? []
          : [SERVICE_GVK, ...deps.providers.kinds(), ...deps.targets.optionalKinds()].filter(served),
    },
  );
  return { controller, reconciler, routers, targets, alerts };
}
