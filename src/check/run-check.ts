/**
 * `serin check` from inputs to report: the API server and the Flagger CRDs once, then for every
 * Canary its validation, the cluster, its metrics and its webhooks. Nothing is printed and nothing
 * is written to the cluster; the report is complete when this returns.
 */
import { providerRegistry } from '../routers/providers.js';
import type { ProviderRegistry } from '../routers/registry.js';
import { TargetRegistry } from '../targets/registry.js';
import { FLAGGER_API_VERSION, type Canary } from '../api/index.js';
import { CanaryMetricsAnalyzer, METRIC_TEMPLATE_GVK } from '../metrics/analyzer.js';
import type { HttpClient } from '../lib/http-client.js';
import { clusterChecks } from './cluster-checks.js';
import type { CanaryInput, CheckInputs } from './inputs.js';
import type { KubeReader } from './kube-reader.js';
import { JUDGE_PREFLIGHT_DEFAULTS, judgePreflight, readJudgeTemplates } from './judge-preflight.js';
import { metricChecks } from './metric-checks.js';
import { fail, pass, SectionId, type CanaryReport, type CheckLine, type CheckReport, type Section } from './report.js';
import { SnapshotCluster } from './snapshot-cluster.js';
import type { TcpProbe } from './tcp-probe.js';
import { webhookChecks } from './webhook-checks.js';

/** The operator's default Prometheus (`serin operator --metrics-server`). */
export const DEFAULT_METRICS_SERVER = 'http://prometheus:9090';

/** Ports of {@link runCheck}. */
export interface CheckRunDeps {
  /** Reads the cluster (GETs; objects of the `-f` files stand in for missing ones). */
  readonly reader: KubeReader;
  /** Opens and closes a TCP connection to each webhook's host:port. */
  readonly probe: TcpProbe;
  /** HTTP client of the metrics providers. Default: the operator's (`httpRequest`). */
  readonly request?: HttpClient;
}

/** Settings of {@link runCheck}, from the command line. */
export interface CheckRunOptions {
  /** The `-f` files, for the report. */
  readonly files: readonly string[];
  /** Provider of Canaries that name none. Default of the flag: `appmesh:v1beta2`. */
  readonly meshProvider: string;
  /** `--metrics-server`: replaces every Canary's `spec.metricsServer` (a Prometheus reachable from here). */
  readonly metricsServer?: string | undefined;
  /** The kubeconfig context, for the report. */
  readonly context?: string | undefined;
  /** Timeout of each metrics query, ms. Default 5000 (the operator's). */
  readonly metricsTimeoutMs?: number;
  /** Hours of the primary's history the judge's pre-flight reads. Default 3. */
  readonly judgeHours?: number;
}

/** Runs every check and returns the report. */
export async function runCheck(
  inputs: CheckInputs,
  deps: CheckRunDeps,
  options: CheckRunOptions,
): Promise<CheckReport> {
  const { lines: clusterLines, unreachable } = await apiChecks(deps.reader);
  const snapshot = new SnapshotCluster();
  const providers = providerRegistry(options.meshProvider);
  const analyzer = new CanaryMetricsAnalyzer(
    { cluster: snapshot, providers, ...(deps.request ? { request: deps.request } : {}) },
    {
      defaultMetricsServer: options.metricsServer ?? DEFAULT_METRICS_SERVER,
      timeoutMs: options.metricsTimeoutMs ?? 5000,
    },
  );
  const registries = { providers, targets: new TargetRegistry() };
  const canaries = await Promise.all(
    inputs.canaries.map((input) =>
      checkCanary(input, { ...deps, snapshot, analyzer, ...registries }, options, unreachable),
    ),
  );
  const general: Section[] = [
    { id: SectionId.Input, title: 'Input', note: options.files.join(', '), checks: inputs.problems },
    { id: SectionId.Cluster, title: 'Cluster', note: clusterNote(deps.reader, options), checks: clusterLines },
  ];
  return { files: options.files, general, canaries };
}

interface CanaryDeps extends CheckRunDeps {
  readonly snapshot: SnapshotCluster;
  readonly analyzer: CanaryMetricsAnalyzer;
  readonly providers: ProviderRegistry;
  readonly targets: TargetRegistry;
}

async function checkCanary(
  input: CanaryInput,
  deps: CanaryDeps,
  options: CheckRunOptions,
  unreachable: string | undefined,
): Promise<CanaryReport> {
  const base = { name: input.name, namespace: input.namespace, file: input.file, document: input.document };
  const validation: Section = { id: SectionId.Validation, title: 'Validation', checks: input.validation };
  const canary = input.canary;
  if (!canary) {
    return {
      ...base,
      sections: [validation],
      skipped: 'cluster, metric and webhook checks skipped: fix the Canary first',
    };
  }
  let cluster: Section;
  if (unreachable === undefined) {
    const lines = await clusterChecks(canary, deps, { providers: deps.providers, targets: deps.targets });
    cluster = { id: SectionId.Cluster, title: 'Cluster', checks: lines };
  } else {
    for (const metric of canary.spec.analysis?.metrics ?? []) {
      const ref = metric.templateRef;
      if (!ref) continue;
      const namespace = ref.namespace || input.namespace;
      const lookup = { kind: 'unknown', message: unreachable, reason: unreachable, fix: '' } as const;
      deps.snapshot.remember({ ...METRIC_TEMPLATE_GVK, namespace, name: ref.name }, lookup);
    }
    cluster = { id: SectionId.Cluster, title: 'Cluster', note: 'skipped: the API server is unreachable', checks: [] };
  }
  const measured = options.metricsServer ? withoutMetricsServer(canary) : canary;
  await readJudgeTemplates(canary, deps, unreachable);
  const [metrics, judge, webhooks] = await Promise.all([
    metricChecks(measured, { analyzer: deps.analyzer, cluster: deps.snapshot }, { providers: deps.providers }),
    judgePreflight(
      measured,
      { analyzer: deps.analyzer },
      { ...(options.judgeHours ? { hours: options.judgeHours } : {}) },
    ),
    webhookChecks(canary, { probe: deps.probe, ...(unreachable === undefined ? { reader: deps.reader } : {}) }),
  ]);
  const hours = options.judgeHours ?? JUDGE_PREFLIGHT_DEFAULTS.hours;
  return {
    ...base,
    sections: [
      validation,
      cluster,
      { id: SectionId.Metrics, title: 'Metrics', ...metricsNote(canary, options), checks: metrics },
      ...(canary.spec.analysis?.judge
        ? [
            {
              id: SectionId.Judge,
              title: 'Judge',
              note: `the primary's last ${hours} h, read as the operator reads it`,
              checks: judge,
            },
          ]
        : []),
      {
        id: SectionId.Webhooks,
        title: 'Webhooks',
        note: 'TCP connect to host:port only; no request is sent',
        checks: webhooks,
      },
    ],
  };
}

/** The API server answers, and serves the Flagger API. `unreachable` is why, when it does not answer. */
async function apiChecks(reader: KubeReader): Promise<{ lines: CheckLine[]; unreachable: string | undefined }> {
  const version = await reader.version();
  if (!version.ok) return { lines: [fail(version.message, version.fix)], unreachable: version.reason };
  const lines = [pass(`API server ${reader.server()} answers (Kubernetes ${version.version})`)];
  const served = await reader.servedKinds(FLAGGER_API_VERSION);
  const kinds = ['Canary', 'MetricTemplate', 'AlertProvider'];
  if (!served.ok) lines.push(fail(served.message, served.fix));
  else if (kinds.every((k) => served.kinds.has(k)))
    lines.push(pass(`Flagger API ${FLAGGER_API_VERSION} is served (${kinds.join(', ')})`));
  else {
    const missing = kinds.filter((k) => !served.kinds.has(k));
    lines.push(
      fail(
        `the API server does not serve ${missing.join(', ')} in ${FLAGGER_API_VERSION}: the Canary cannot be applied`,
        "install Serin's CRDs: kubectl apply -f deploy/crds/all.yaml",
      ),
    );
  }
  return { lines, unreachable: undefined };
}

function clusterNote(reader: KubeReader, options: CheckRunOptions): string {
  return options.context ? `${reader.server()} (context ${options.context})` : reader.server();
}

/** Which Prometheus the builtin and inline-query metrics use, and why. */
function metricsNote(canary: Canary, options: CheckRunOptions): { note?: string } {
  const metrics = canary.spec.analysis?.metrics ?? [];
  const usesPrometheus = metrics.some(
    (m) => m.name === 'request-success-rate' || m.name === 'request-duration' || (m.query ?? '') !== '',
  );
  if (!usesPrometheus) return {};
  const [address, why] = options.metricsServer
    ? [options.metricsServer, '--metrics-server']
    : canary.spec.metricsServer
      ? [canary.spec.metricsServer, 'spec.metricsServer']
      : [DEFAULT_METRICS_SERVER, "the operator's default; pass --metrics-server to use one reachable from here"];
  return { note: `Prometheus ${origin(address)} (${why})` };
}

/** `scheme://host:port` only: a URL may carry credentials or tokens. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a valid URL)';
  }
}

function withoutMetricsServer(canary: Canary): Canary {
  const spec = { ...canary.spec };
  delete spec.metricsServer;
  return { ...canary, spec };
}
