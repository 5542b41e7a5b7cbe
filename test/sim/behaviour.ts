/**
 * How a simulated pod answers: its error rate and latency. Tests choose per pod, usually from
 * something the release changes — the pod's ConfigMap (a new revision, as in the seed's scenarios)
 * or its annotations — so that the canary and the primary behave differently for the same reason
 * they would in production.
 */
import type { Cluster } from '../../src/kube/cluster.js';
import type { ConfigMap } from '../../src/targets/kube-types.js';
import type { SimPod } from './routing.js';
import { standardNormal, type Random } from './seeded-random.js';

/** Latencies spread evenly between two bounds, in ms. */
export interface UniformLatency {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Log-normal latencies (the usual shape of service response times) given the median and the P99, in ms. */
export interface LogNormalLatency {
  readonly medianMs: number;
  readonly p99Ms: number;
}

/** A latency distribution: uniform or log-normal. */
export type LatencyDistribution = UniformLatency | LogNormalLatency;

/** What one pod does with the requests it gets. */
export interface PodBehaviour {
  /** Share of requests answered with `errorStatus`, 0..1 (0.005 is 0.5 %). */
  readonly errorRate: number;
  /** Response time in ms: a constant or a distribution. */
  readonly latencyMs: number | LatencyDistribution;
  /** HTTP status of a failed request; default 500 (the app's own error, as Envoy's ingress cluster sees it). */
  readonly errorStatus?: number;
  /** Errors in bursts on top of `errorRate`; absent: every request fails independently at `errorRate`. */
  readonly burst?: ErrorBurst;
}

/**
 * Errors that come in bursts, as a pod's bad moment does (a GC pause, a full connection pool): on
 * each simulator tick, with `probability` the pod fails `errorRate` of that tick's requests instead
 * of the behaviour's own `errorRate`. The mean error rate is then
 * `probability × burst.errorRate + (1 − probability) × errorRate`, but the counts are over-dispersed:
 * errors arrive in clusters. Drawn per pod, or once per tick for every pod with the same `shared`
 * burst — a hiccup of a dependency they all call (the seed's account app calls MariaDB, RabbitMQ
 * and Redis), which hits the primary and the canary alike.
 */
export interface ErrorBurst {
  /** Chance per pod per tick that the tick is a burst, 0..1. */
  readonly probability: number;
  /** Share of the pod's requests that fail during a burst, 0..1. */
  readonly errorRate: number;
  /** One draw per tick for all pods with this burst instead of one per pod. Default false. */
  readonly shared?: boolean;
}

/** Chooses a pod's behaviour; called for every Ready pod on every tick, so a change applies at once. */
export type BehaviourOf = (pod: SimPod, cluster: Cluster) => PodBehaviour;

/** A healthy, quick pod: no errors, 10 ms. What the helpers use when a pod says nothing. */
export const DEFAULT_BEHAVIOUR: PodBehaviour = Object.freeze({ errorRate: 0, latencyMs: 10 });

/** The fields the helpers read, by their name in a properties file and in annotations. */
const PROPERTY_NAMES = {
  errorRate: 'errorRate',
  latencyMs: 'latencyMs',
  errorStatus: 'errorStatus',
  burst: 'errorBurst',
} as const;
const ANNOTATION_NAMES = {
  errorRate: 'error-rate',
  latencyMs: 'latency-ms',
  errorStatus: 'error-status',
  burst: 'error-burst',
} as const;

/** Every pod the same. */
export function constantBehaviour(behaviour: PodBehaviour): BehaviourOf {
  const checked = checkBehaviour(behaviour, 'constantBehaviour');
  return () => checked;
}

/**
 * Reads a latency: `620` (constant), `100..620` (uniform between the two) or `100~620`
 * (log-normal with median 100 and P99 620), all in ms.
 */
export function parseLatency(text: string, where: string): number | LatencyDistribution {
  const bad = (): never => {
    throw new Error(`${where}: latency "${text}" is not ms like 620, 100..620 or 100~620`);
  };
  const number = (s: string | undefined): number => {
    const n = s === undefined || s.trim() === '' ? NaN : Number(s);
    return Number.isFinite(n) && n >= 0 ? n : bad();
  };
  const parts = text.trim().split(/(\.\.|~)/);
  const [a, sep, b] = parts;
  if (parts.length > 3) bad();
  if (sep === undefined) return number(a);
  return sep === '..' ? { minMs: number(a), maxMs: number(b) } : { medianMs: number(a), p99Ms: number(b) };
}

/**
 * Reads a burst: `0.01x0.5` is "on 1% of ticks the pod fails 50% of its requests"
 * (probability `x` error rate, both 0..1); `0.01x0.5 shared` draws the ticks once for every pod
 * with that burst.
 */
export function parseBurst(text: string, where: string): ErrorBurst {
  const match = /^\s*([0-9.eE+-]+)\s*x\s*([0-9.eE+-]+)\s*(shared)?\s*$/.exec(text);
  const probability = Number(match?.[1] ?? NaN);
  const errorRate = Number(match?.[2] ?? NaN);
  if (!match || !(probability >= 0 && probability <= 1) || !(errorRate >= 0 && errorRate <= 1)) {
    throw new Error(
      `${where}: burst "${text}" is not <probability>x<errorRate>[ shared] with both in 0..1, like 0.01x0.5 (1% of ticks fail half their requests)`,
    );
  }
  return { probability, errorRate, ...(match[3] ? { shared: true } : {}) };
}

/**
 * The error rate a pod's requests fail at on one tick: the burst's on a burst tick, else its own.
 * `sharedDraws` holds this tick's draws of shared bursts (by probability and rate), so that every
 * pod with the same shared burst has it on the same ticks; the caller empties it each tick.
 */
export function tickErrorRate(b: PodBehaviour, random: Random, sharedDraws: Map<string, boolean>): number {
  const burst = b.burst;
  if (!burst || burst.probability === 0) return b.errorRate;
  if (!burst.shared) return random() < burst.probability ? burst.errorRate : b.errorRate;
  const key = `${burst.probability}x${burst.errorRate}`;
  let bursting = sharedDraws.get(key);
  if (bursting === undefined) sharedDraws.set(key, (bursting = random() < burst.probability));
  return bursting ? burst.errorRate : b.errorRate;
}

/** Refuses what no pod could do: an error rate outside 0..1, a negative latency, a status that is not HTTP. */
export function checkBehaviour(b: PodBehaviour, where: string): PodBehaviour {
  if (!(b.errorRate >= 0 && b.errorRate <= 1)) throw new Error(`${where}: errorRate ${b.errorRate} is not in 0..1`);
  const burst = b.burst;
  if (burst && !(burst.probability >= 0 && burst.probability <= 1 && burst.errorRate >= 0 && burst.errorRate <= 1)) {
    throw new Error(`${where}: burst ${JSON.stringify(burst)} must have probability and errorRate in 0..1`);
  }
  const s = b.errorStatus;
  if (s !== undefined && !(Number.isInteger(s) && s >= 100 && s <= 599)) {
    throw new Error(`${where}: errorStatus ${s} is not an HTTP status`);
  }
  const l = b.latencyMs;
  const bounds = typeof l === 'number' ? [l] : 'minMs' in l ? [l.minMs, l.maxMs] : [l.medianMs, l.p99Ms];
  if (!bounds.every((n) => Number.isFinite(n) && n >= 0)) {
    throw new Error(`${where}: latency ${JSON.stringify(l)} must be finite ms ≥ 0`);
  }
  if (typeof l !== 'number' && (bounds[1] ?? 0) < (bounds[0] ?? 0)) {
    throw new Error(`${where}: latency ${JSON.stringify(l)} has its upper bound below its lower one`);
  }
  return b;
}

/** One response time in ms from a behaviour's latency. */
export function sampleLatencyMs(latency: PodBehaviour['latencyMs'], random: Random): number {
  if (typeof latency === 'number') return latency;
  if ('minMs' in latency) return latency.minMs + random() * (latency.maxMs - latency.minMs);
  // The P99 of a log-normal is median × e^(2.3263 σ).
  const sigma = latency.p99Ms > latency.medianMs ? Math.log(latency.p99Ms / latency.medianMs) / 2.3263 : 0;
  return latency.medianMs * Math.exp(sigma * standardNormal(random));
}

/** `key=value` / `key: value` lines of a Java properties text; `#` and `!` start comments. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at > 0) out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

/** A behaviour from named text fields, each falling back to `fallback` when absent. */
function fromFields(
  read: (field: keyof typeof PROPERTY_NAMES) => string | undefined,
  fallback: PodBehaviour,
  where: string,
): PodBehaviour {
  const rate = read('errorRate');
  const latency = read('latencyMs');
  const status = read('errorStatus');
  const burst = read('burst');
  const behaviour: PodBehaviour = {
    errorRate: rate === undefined ? fallback.errorRate : Number(rate.trim() === '' ? NaN : rate),
    latencyMs: latency === undefined ? fallback.latencyMs : parseLatency(latency, where),
    ...(status !== undefined
      ? { errorStatus: Number(status) }
      : fallback.errorStatus !== undefined
        ? { errorStatus: fallback.errorStatus }
        : {}),
    ...(burst !== undefined
      ? { burst: parseBurst(burst, where) }
      : fallback.burst !== undefined
        ? { burst: fallback.burst }
        : {}),
  };
  return checkBehaviour(behaviour, where);
}

function podName(pod: SimPod): string {
  return `pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/**
 * Behaviour from the ConfigMap the pod mounts (its pod spec's `configMap` volumes, in order, read
 * from the cluster cache): the first whose data has `key` is parsed as properties, and its
 * `errorRate`, `latencyMs`, `errorStatus` and `errorBurst` (`0.01x0.5`, see {@link parseBurst})
 * lines win over `fallback`. So `account-config` with
 * `errorRate=0.005` makes the canary fail 0.5 % of requests while the primary, which mounts its
 * `-primary` copy, follows the copy. The cluster must cache ConfigMaps. Malformed values throw.
 */
export function fromConfigMap(key = 'application.properties', fallback: PodBehaviour = DEFAULT_BEHAVIOUR): BehaviourOf {
  return (pod, cluster) => {
    for (const volume of pod.spec?.volumes ?? []) {
      const name = volume.configMap?.name;
      if (!name) continue;
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: pod.metadata.namespace, name };
      const text = cluster.get<ConfigMap>(ref)?.data?.[key];
      if (text === undefined) continue;
      const props = parseProperties(text);
      return fromFields((f) => props.get(PROPERTY_NAMES[f]), fallback, `${podName(pod)}: ConfigMap ${name} ${key}`);
    }
    return fallback;
  };
}

/**
 * Behaviour from the pod's annotations `<prefix>error-rate`, `<prefix>latency-ms`,
 * `<prefix>error-status` and `<prefix>error-burst` (e.g. `sim.serin.dev/error-rate: "0.005"`), set through the Deployment's
 * pod template. A prefix without a trailing `/` gets one. Malformed values throw.
 */
export function fromAnnotation(prefix = 'sim.serin.dev/', fallback: PodBehaviour = DEFAULT_BEHAVIOUR): BehaviourOf {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return (pod) => {
    const annotations = pod.metadata.annotations ?? {};
    return fromFields(
      (f) => annotations[base + ANNOTATION_NAMES[f]],
      fallback,
      `${podName(pod)}: annotations ${base}*`,
    );
  };
}
