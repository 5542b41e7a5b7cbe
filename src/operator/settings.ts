/**
 * `serin operator`'s flags, validated once at the door through the same schema machinery as the
 * API (TypeBox + Ajv, the same issue texts), then checked for what a schema cannot say (a provider
 * Serin routes, a usable URL, election timings in order) and turned into one frozen options
 * object. Nothing downstream re-checks a setting: a bad flag stops the operator before it starts,
 * naming the flag and the fix.
 */
import { Type, type Static } from '@sinclair/typebox';
import { createSchemaValidator } from '../api/index.js';
import { deepFreeze } from '../lib/deep-freeze.js';
import { NON_NEGATIVE_DURATION_PATTERN, nonNegativeDurationMs } from '../lib/duration.js';
import type { ProviderRegistry } from '../routers/registry.js';
import type { JitMode } from './jit.js';
import type { LeaderElectionOptions } from './leader-election.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const JIT_MODES = ['baseline', 'full'] as const;

const Duration = (description: string) =>
  Type.String({ pattern: NON_NEGATIVE_DURATION_PATTERN, description: `${description} (like 500ms, 10s, 1m30s)` });

/** The flags as commander hands them over (strings, lists and switches), before any interpretation. */
export const OperatorFlagsSchema = Type.Object({
  kubeconfig: Type.Optional(Type.String({ minLength: 1 })),
  namespace: Type.Optional(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 })),
  meshProvider: Type.String({ minLength: 1 }),
  metricsServer: Type.String({ minLength: 1, description: 'an http:// or https:// URL' }),
  port: Type.String({ pattern: '^[0-9]{1,5}$' }),
  logLevel: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))),
  jit: Type.Union(JIT_MODES.map((m) => Type.Literal(m))),
  minInterval: Duration('shortest analysis interval'),
  selectorLabels: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  includeLabelPrefix: Type.Array(Type.String({ minLength: 1 })),
  configTracking: Type.Boolean(),
  threadiness: Type.String({ pattern: '^[0-9]{1,4}$' }),
  maxConcurrentAnalyses: Type.String({ pattern: '^[0-9]{1,4}$' }),
  maxConcurrentQueries: Type.String({ pattern: '^[0-9]{1,4}$' }),
  enableLeaderElection: Type.Optional(Type.Boolean()),
  leaderElectionNamespace: Type.Optional(Type.String({ minLength: 1 })),
  leaseDuration: Duration('Lease duration'),
  renewDeadline: Duration('renew deadline'),
  retryPeriod: Duration('retry period'),
  memoryTrimInterval: Duration('memory trim interval'),
  clusterName: Type.Optional(Type.String()),
});

/** The raw flags. */
export type OperatorFlags = Static<typeof OperatorFlagsSchema>;

/** The settings the flags stand for, validated, defaulted and frozen. */
export interface OperatorSettings {
  /** Path of a kubeconfig (`--kubeconfig`); in-cluster config, or `$KUBECONFIG`, when unset. */
  readonly kubeconfig?: string | undefined;
  /** Watch only this namespace (`--namespace`); all when unset. */
  readonly namespace?: string | undefined;
  /** Provider of Canaries that name none (`--mesh-provider`), one Serin routes. Default `appmesh:v1beta2`. */
  readonly meshProvider: string;
  /** Prometheus for builtin metrics (`--metrics-server`): an http(s) URL without a trailing slash. */
  readonly metricsServer: string;
  /** Port of /metrics, /healthz, /readyz; 0 picks a free one. Default 8080. */
  readonly port: number;
  /** `--log-level`. Default `info`. */
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** V8's compilers the operator runs its code with (`--jit`; src/operator/jit.ts). */
  readonly jit: JitMode;
  /** How often freed memory is handed back to the system, ms; 0: never (src/operator/memory-trim.ts). */
  readonly memoryTrimIntervalMs: number;
  /** Shortest analysis interval honoured, ms. Flagger's is 10 s; tests lower it. */
  readonly minIntervalMs: number;
  /** Pod label keys searched on the target's selector, in order. */
  readonly selectorLabels: readonly string[];
  /** Label/annotation key prefixes copied to primary workloads (`*` = all). Default none. */
  readonly includeLabelPrefixes: readonly string[];
  /** Track ConfigMaps/Secrets as part of the revision. Default true. */
  readonly configTracking: boolean;
  /** Canaries reconciled at once (`--threadiness`), ≥ 1. Default 64. */
  readonly concurrency: number;
  /** Canaries whose analysis (rollout hooks and metric checks) runs at once (`--max-concurrent-analyses`); default `concurrency`. */
  readonly maxConcurrentAnalyses: number;
  /** Metric queries in flight at once, to every metrics server together (`--max-concurrent-queries`). Default 8. */
  readonly maxConcurrentQueries: number;
  /** Run only while holding the Lease (`--enable-leader-election`); unset: always run. */
  readonly leaderElection?: LeaderElectionOptions | undefined;
  /** `--cluster-name`: a `Cluster` field in every alert. */
  readonly clusterName?: string | undefined;
}

/** One bad flag: the flag as typed on the command line and what is wrong with it, with the fix. */
export interface FlagIssue {
  readonly flag: string;
  readonly message: string;
}

const validateFlags = createSchemaValidator<OperatorFlags>(OperatorFlagsSchema, 'prune');

/** `meshProvider` → `--mesh-provider`. */
function flagName(key: string): string {
  const name =
    key === 'includeLabelPrefix' ? 'include-label-prefix' : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return key === 'configTracking' ? '--no-config-tracking' : `--${name}`;
}

/**
 * Validates `serin operator`'s flags into frozen settings, or every bad flag with the fix. The
 * provider must be one the registry routes (an unknown name is an error, never a silent default).
 */
export function parseOperatorFlags(
  raw: Record<string, unknown>,
  providers: (defaultProvider: string) => ProviderRegistry,
): { readonly ok: true; readonly settings: OperatorSettings } | { readonly ok: false; readonly issues: FlagIssue[] } {
  const checked = validateFlags(raw);
  const issues: FlagIssue[] = checked.ok
    ? []
    : checked.issues.map((i) => {
        const [key = '', ...rest] = i.path.split(/[.[]/);
        return { flag: flagName(key), message: rest.length > 0 ? `${i.path}: ${i.message}` : i.message };
      });
  // What a schema cannot say is checked even when it found problems, so one run lists them all.
  const meshProvider = typeof raw.meshProvider === 'string' ? raw.meshProvider : '';
  const registry = providers(meshProvider);
  if (!registry.lookup(meshProvider)?.createRouter) {
    issues.push({
      flag: '--mesh-provider',
      message: `"${meshProvider}" is not a provider this Serin routes; use ${registry.routable().join(' or ')}`,
    });
  }
  const metricsServer = metricsServerUrl(typeof raw.metricsServer === 'string' ? raw.metricsServer : '', issues);
  const port = Number(raw.port);
  if (port > 65535) issues.push({ flag: '--port', message: `${port} is not a port; use 0 (any free port) to 65535` });
  const concurrency = Number(raw.threadiness);
  if (concurrency < 1) issues.push({ flag: '--threadiness', message: 'must be at least 1' });
  // 0 analyses: as many as reconciles; queries must be allowed at least one at a time.
  const maxConcurrentAnalyses = Number(raw.maxConcurrentAnalyses) || concurrency;
  const maxConcurrentQueries = Number(raw.maxConcurrentQueries);
  if (maxConcurrentQueries < 1) {
    issues.push({ flag: '--max-concurrent-queries', message: 'must be at least 1 (the default is 8)' });
  }
  if (!checked.ok) return { ok: false, issues };
  const f = checked.value;
  const ms = (flag: keyof OperatorFlags, text: string): number => {
    const value = nonNegativeDurationMs(text);
    if (value === undefined)
      issues.push({ flag: flagName(flag), message: `"${text}" is not a duration like 500ms, 10s or 1m` });
    return value ?? 0;
  };
  const election = {
    leaseDurationMs: ms('leaseDuration', f.leaseDuration),
    renewDeadlineMs: ms('renewDeadline', f.renewDeadline),
    retryPeriodMs: ms('retryPeriod', f.retryPeriod),
  };
  if (
    f.enableLeaderElection &&
    !(election.retryPeriodMs < election.renewDeadlineMs && election.renewDeadlineMs < election.leaseDurationMs)
  ) {
    issues.push({
      flag: '--retry-period',
      message: `--retry-period (${f.retryPeriod}) < --renew-deadline (${f.renewDeadline}) < --lease-duration (${f.leaseDuration}) must hold, or two replicas could act at once`,
    });
  }
  const minIntervalMs = ms('minInterval', f.minInterval);
  const memoryTrimIntervalMs = ms('memoryTrimInterval', f.memoryTrimInterval);
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    settings: deepFreeze({
      kubeconfig: f.kubeconfig,
      namespace: f.namespace,
      meshProvider: f.meshProvider,
      metricsServer,
      port,
      logLevel: f.logLevel,
      jit: f.jit,
      memoryTrimIntervalMs,
      minIntervalMs,
      selectorLabels: f.selectorLabels,
      includeLabelPrefixes: f.includeLabelPrefix,
      configTracking: f.configTracking,
      concurrency,
      maxConcurrentAnalyses,
      maxConcurrentQueries,
      leaderElection: f.enableLeaderElection
        ? { namespace: f.namespace ?? f.leaderElectionNamespace ?? 'kube-system', ...election }
        : undefined,
      clusterName: f.clusterName,
    }),
  };
}

/** The Prometheus URL, parsed (http/https with a host), without a trailing slash. */
function metricsServerUrl(text: string, issues: FlagIssue[]): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    issues.push({
      flag: '--metrics-server',
      message: `"${text}" is not an http:// or https:// URL; use the Prometheus address, like http://prometheus.istio-system:9090`,
    });
    return text;
  }
  return text.replace(/\/+$/, '');
}

/** Renders flag issues one per line: `--flag: message`. */
export function formatFlagIssues(issues: readonly FlagIssue[]): string {
  return issues.map((i) => `${i.flag}: ${i.message}`).join('\n');
}
