/**
 * Serin's own operator metrics, beside Flagger's: how long reconciles take, how many canaries wait
 * for a worker, how often a watch had to be restarted, and every request to the API server by
 * Kubernetes verb, resource and answer. Names follow Prometheus' conventions (`_seconds`, `_total`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ApiRequestRecord } from '../kube/rest.js';

/** Reconcile durations span a cache-only pass (ms) to a tick that waits on slow webhooks (s). */
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** API requests: a cached-object write (ms) to an API server under load (s). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A tick's start against its schedule: on time (ms) to a worker-starved queue (a minute). */
const LATENESS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** `code` of a request that got no answer (connection refused or reset), as client-go writes it. */
export const NO_ANSWER = '<error>';

/** The labels `serin_api_requests_total` gives a request: the Kubernetes verb and the resource. */
export interface ApiRequestLabels {
  /** get, list, watch, create, update, patch, delete, deletecollection (lower-case method otherwise). */
  readonly verb: string;
  /** The resource's plural with its subresource (`canaries/status`); `discovery` or `nonresource` otherwise. */
  readonly resource: string;
}

/**
 * Reads a request path the way the API server names it: `/api/v1/...` or `/apis/<group>/<version>/...`,
 * then `namespaces/<ns>/` when namespaced, then `<resource>[/<name>[/<subresource>]]`.
 */
export function apiRequestLabels(method: string, path: string): ApiRequestLabels {
  const [pathname = '', query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  const root = parts[0];
  if (root !== 'api' && root !== 'apis') return { verb: method.toLowerCase(), resource: 'nonresource' };
  let rest = parts.slice(root === 'api' ? 2 : 3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource, name, subresource] = rest;
  if (!resource) return { verb: method.toLowerCase(), resource: 'discovery' };
  const watch = /(^|&)watch=(1|true)(&|$)/.test(query);
  return {
    verb: verbOf(method.toUpperCase(), name === undefined, watch),
    resource: subresource ? `${resource}/${subresource}` : resource,
  };
}

function verbOf(method: string, collection: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : collection ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return collection ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

/** Serin's series on one registry. */
export class SerinMetrics {
  private readonly reconciles: Histogram<'trigger' | 'result'>;
  private readonly restarts: Counter<'kind'>;
  private readonly requests: Counter<'verb' | 'resource' | 'code'>;
  private readonly requestSeconds: Histogram<'verb' | 'resource'>;
  private readonly lateness: Histogram;
  private readonly analyses: Histogram;
  private depth: () => number = () => 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.reconciles = new Histogram({
      name: 'serin_reconcile_duration_seconds',
      help: 'Seconds one reconcile of one canary took, by what started it (tick, change) and how it ended (success, error)',
      labelNames: ['trigger', 'result'],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    const depth = () => this.depth();
    new Gauge({
      name: 'serin_workqueue_depth',
      help: 'Canaries waiting in the work queue for a worker',
      registers,
      collect() {
        this.set(depth());
      },
    });
    this.restarts = new Counter({
      name: 'serin_watch_restarts_total',
      help: 'Watches of a kind restarted after an error (the API server gone, an expired resourceVersion)',
      labelNames: ['kind'],
      registers,
    });
    this.requests = new Counter({
      name: 'serin_api_requests_total',
      help: 'Requests to the Kubernetes API server by verb, resource and HTTP status code',
      labelNames: ['verb', 'resource', 'code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'serin_api_request_duration_seconds',
      help: 'Seconds from sending a request to the Kubernetes API server to its answer, by verb and resource (watches not included)',
      labelNames: ['verb', 'resource'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.lateness = new Histogram({
      name: 'serin_tick_lateness_seconds',
      help: "Seconds an analysis tick started after it was due (waiting for a worker, or for the same canary's reconcile in flight)",
      buckets: LATENESS_BUCKETS,
      registers,
    });
    this.analyses = new Histogram({
      name: 'serin_analysis_duration_seconds',
      help: "Seconds one canary's analysis took (rollout hooks and metric queries, including the wait for a query slot)",
      buckets: RECONCILE_BUCKETS,
      registers,
    });
  }

  /** An analysis tick started `seconds` after it was due. */
  tickStarted(lateSeconds: number): void {
    this.lateness.observe(Math.max(0, lateSeconds));
  }

  analysisEnded(seconds: number): void {
    this.analyses.observe(seconds);
  }

  /** Reads the queue depth from `depth` at each scrape. */
  trackQueue(depth: () => number): void {
    this.depth = depth;
  }

  reconcileEnded(trigger: string, result: 'success' | 'error', seconds: number): void {
    this.reconciles.observe({ trigger, result }, seconds);
  }

  /** Starts the restart counter of each watched kind at 0, so `increase()` sees its first restart. */
  watching(kinds: readonly string[]): void {
    for (const kind of kinds) this.restarts.inc({ kind }, 0);
  }

  watchRestarted(kind: string): void {
    this.restarts.inc({ kind });
  }

  apiRequest(record: ApiRequestRecord): void {
    const code = record.status === undefined ? NO_ANSWER : String(record.status);
    const labels = apiRequestLabels(record.method, record.path);
    this.requests.inc({ ...labels, code });
    if (labels.verb !== 'watch') this.requestSeconds.observe(labels, record.seconds);
  }
}
