/**
 * Per-pod cumulative counters and histograms, rendered as Prometheus would store them after
 * scraping each pod: every series carries `kubernetes_namespace`, `kubernetes_pod_name` and the
 * pod's labels, as appmesh-prometheus' relabelling writes them (appmesh-lattice §2.2), so a static
 * scrape of the simulator yields the series Flagger's builtin queries select (flagger-spec §7.1).
 */
import { MetricType, type Labels, type MetricFamily, type Sample } from './exposition.js';
import type { SimPod } from './routing.js';

/** Envoy's default histogram bucket bounds in ms (`HistogramSettingsImpl::defaultBuckets`), then +Inf. */
export const ENVOY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
]);

/** Bounds in seconds of the app histogram: the Prometheus Go client's DefBuckets, which podinfo uses. */
export const APP_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Labels the simulator writes itself; a pod label with one of these names is left out, not renamed. */
const OWN_LABELS = new Set([
  'kubernetes_namespace',
  'kubernetes_pod_name',
  'envoy_cluster_name',
  'envoy_response_code',
  'envoy_response_code_class',
  'le',
  'status',
  'method',
  'path',
  'job',
  'instance',
]);

/** A histogram's per-bucket counts (not yet cumulative), with the +Inf bucket last. */
class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const i = this.bounds.findIndex((le) => value <= le);
    this.counts[i < 0 ? this.bounds.length : i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** `_bucket` (cumulative, `le` as Envoy and client_golang print it), `_sum`, `_count` samples. */
  samples(name: string, labels: Labels): Sample[] {
    let running = 0;
    const buckets = [...this.bounds, Infinity].map((le, i) => {
      running += this.counts[i] ?? 0;
      return {
        name: `${name}_bucket`,
        labels: { ...labels, le: le === Infinity ? '+Inf' : String(le) },
        value: running,
      };
    });
    return [
      ...buckets,
      { name: `${name}_sum`, labels, value: this.sum },
      { name: `${name}_count`, labels, value: this.count },
    ];
  }
}

/** One Envoy upstream cluster of one pod. */
interface EnvoyCluster {
  readonly byCode: Map<number, number>;
  readonly time: Histogram;
}

/** Everything one pod has reported since it first got a request. */
interface PodSeries {
  readonly labels: Labels;
  readonly envoy: Map<string, EnvoyCluster>;
  readonly app: Map<number, Histogram>;
}

/**
 * `kubernetes_namespace`, `kubernetes_pod_name` and the pod's labels with names sanitised the way
 * Prometheus does it for `__meta_kubernetes_pod_label_*` (`app.kubernetes.io/name` →
 * `app_kubernetes_io_name`), e.g. `app` and `pod_template_hash`.
 */
export function scrapeLabels(pod: SimPod): Labels {
  const labels: Record<string, string> = {
    kubernetes_namespace: pod.metadata.namespace ?? '',
    kubernetes_pod_name: pod.metadata.name ?? '',
  };
  for (const [key, value] of Object.entries(pod.metadata.labels ?? {})) {
    const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
    if (/^[a-zA-Z_]/.test(name) && !name.startsWith('__') && !OWN_LABELS.has(name)) labels[name] = value;
  }
  return labels;
}

function byKey<K>(map: Map<K, unknown>): K[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The cumulative telemetry of every pod that got traffic, keyed by pod uid. */
export class MeshTelemetry {
  private readonly pods = new Map<string, PodSeries>();

  /**
   * Records one request answered by `pod` with `status` after `latencyMs`: in the pod's Envoy
   * ingress cluster when `envoyCluster` is given (App Mesh), and always in the app's histogram.
   */
  record(pod: SimPod, envoyCluster: string | undefined, status: number, latencyMs: number): void {
    const key = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    let series = this.pods.get(key);
    if (!series) this.pods.set(key, (series = { labels: scrapeLabels(pod), envoy: new Map(), app: new Map() }));
    if (envoyCluster !== undefined) {
      let cluster = series.envoy.get(envoyCluster);
      if (!cluster)
        series.envoy.set(envoyCluster, (cluster = { byCode: new Map(), time: new Histogram(ENVOY_BUCKETS_MS) }));
      cluster.byCode.set(status, (cluster.byCode.get(status) ?? 0) + 1);
      // Envoy records upstream_rq_time as whole milliseconds.
      cluster.time.observe(Math.floor(latencyMs));
    }
    let app = series.app.get(status);
    if (!app) series.app.set(status, (app = new Histogram(APP_BUCKETS_SECONDS)));
    app.observe(latencyMs / 1000);
  }

  /** Drops the series of pods not in `uids` (deleted pods), as their Envoy's series vanish from Prometheus. */
  retain(uids: ReadonlySet<string>): void {
    for (const key of this.pods.keys()) if (!uids.has(key)) this.pods.delete(key);
  }

  /** Envoy's families (App Mesh) then the app's histogram, pods in name order. */
  families(): MetricFamily[] {
    const pods = [...this.pods.values()].sort((a, b) =>
      (a.labels.kubernetes_pod_name ?? '') < (b.labels.kubernetes_pod_name ?? '') ? -1 : 1,
    );
    const rq: Sample[] = [];
    const xx: Sample[] = [];
    const total: Sample[] = [];
    const time: Sample[] = [];
    const app: Sample[] = [];
    for (const pod of pods) {
      for (const name of byKey(pod.envoy)) {
        const cluster = pod.envoy.get(name)!;
        const base = { ...pod.labels, envoy_cluster_name: name };
        const classes = new Map<string, number>();
        for (const code of byKey(cluster.byCode)) {
          const n = cluster.byCode.get(code) ?? 0;
          rq.push({
            name: 'envoy_cluster_upstream_rq',
            labels: { ...base, envoy_response_code: String(code) },
            value: n,
          });
          const cls = String(code)[0] ?? '0';
          classes.set(cls, (classes.get(cls) ?? 0) + n);
        }
        for (const cls of byKey(classes)) {
          const labels = { ...base, envoy_response_code_class: cls };
          xx.push({ name: 'envoy_cluster_upstream_rq_xx', labels, value: classes.get(cls) ?? 0 });
        }
        total.push({ name: 'envoy_cluster_upstream_rq_total', labels: base, value: cluster.time.count });
        time.push(...cluster.time.samples('envoy_cluster_upstream_rq_time', base));
      }
      for (const status of byKey(pod.app)) {
        const labels = { ...pod.labels, method: 'GET', path: '/', status: String(status) };
        app.push(...pod.app.get(status)!.samples('http_request_duration_seconds', labels));
      }
    }
    const envoy: MetricFamily[] = [
      {
        name: 'envoy_cluster_upstream_rq',
        help: 'Upstream requests by response code',
        type: MetricType.Counter,
        samples: rq,
      },
      {
        name: 'envoy_cluster_upstream_rq_xx',
        help: 'Upstream requests by response code class',
        type: MetricType.Counter,
        samples: xx,
      },
      { name: 'envoy_cluster_upstream_rq_total', help: 'Upstream requests', type: MetricType.Counter, samples: total },
      {
        name: 'envoy_cluster_upstream_rq_time',
        help: 'Upstream request time in ms',
        type: MetricType.Histogram,
        samples: time,
      },
    ];
    return [
      // Without App Mesh there is no Envoy sidecar, so its families are left out rather than empty.
      ...(rq.length > 0 ? envoy : []),
      {
        name: 'http_request_duration_seconds',
        help: 'Duration of HTTP requests in seconds',
        type: MetricType.Histogram,
        samples: app,
      },
    ];
  }
}
