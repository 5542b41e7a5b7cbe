import type { Cluster, WatchEvent } from '../kube/cluster.js';
import type { KubeObject } from '../kube/objects.js';
import type { Clock } from '../controller/clock.js';
import { SCALE_TO_ZERO_KEY } from '../targets/daemonset-primary.js';
import { durationMs, type ScenarioVersion } from './scenario.js';

/** A Deployment or a DaemonSet: what the simulator reads of either. */
interface WorkloadLike extends KubeObject {
  spec: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> }; spec?: PodSpecLike } };
  status?: Record<string, unknown>;
}
interface PodSpecLike {
  nodeSelector?: Record<string, string>;
  containers?: {
    image?: string;
    env?: { valueFrom?: { configMapKeyRef?: { name?: string } } }[];
    envFrom?: { configMapRef?: { name?: string } }[];
  }[];
  volumes?: { configMap?: { name?: string }; projected?: { sources?: { configMap?: { name?: string } }[] } }[];
}

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet' } as const;
/** The workload kinds whose pods the simulator plays. */
const WORKLOAD_KINDS = [DEPLOYMENT, DAEMON_SET] as const;

/**
 * Nodes of the simulated cluster: a DaemonSet runs a pod on each of them, except while Serin has
 * scaled it to zero (its scale-to-zero node selector matches no node).
 */
export const SIMULATED_NODES = 2;

/** How many pods a workload asks for: a Deployment's replicas; a DaemonSet's matching nodes. */
function podCount(w: WorkloadLike): number {
  if (w.kind !== DAEMON_SET.kind) return w.spec.replicas ?? 1;
  return w.spec.template.spec?.nodeSelector?.[SCALE_TO_ZERO_KEY] === undefined ? SIMULATED_NODES : 0;
}

/** Which scenario behaviour a workload's pods have, from their template and the ConfigMaps they read. */
export function versionOf(
  d: WorkloadLike,
  versions: readonly ScenarioVersion[],
  configs: (name: string) => Record<string, string> | undefined,
): ScenarioVersion | undefined {
  const pod = d.spec.template.spec ?? {};
  const images = (pod.containers ?? []).map((c) => c.image ?? '');
  const configNames = new Set<string>();
  for (const v of pod.volumes ?? []) {
    if (v.configMap?.name) configNames.add(v.configMap.name);
    for (const s of v.projected?.sources ?? []) if (s.configMap?.name) configNames.add(s.configMap.name);
  }
  for (const c of pod.containers ?? []) {
    for (const e of c.env ?? [])
      if (e.valueFrom?.configMapKeyRef?.name) configNames.add(e.valueFrom.configMapKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.configMapRef?.name) configNames.add(e.configMapRef.name);
  }
  const values = [...configNames].flatMap((n) => Object.values(configs(n) ?? {}));
  const annotations = d.spec.template.metadata?.annotations ?? {};
  return versions.find((v) => {
    const w = v.when;
    if (!w) return true;
    if (w.image !== undefined && !images.includes(w.image)) return false;
    if (w.configContains !== undefined && !values.some((x) => x.includes(w.configContains!))) return false;
    if (w.annotation && Object.entries(w.annotation).some(([k, val]) => annotations[k] !== val)) return false;
    return true;
  });
}

interface PodsState {
  /** The generation and replica count the pods were started for. */
  readonly generation: number;
  readonly replicas: number;
  readonly version: string;
  /** When these pods started (their rollout began), ms. */
  readonly since: number;
  readonly readyAt: number | undefined;
}

/**
 * How long the workload controllers and the kubelet take to report a changed Deployment or
 * DaemonSet: until then its status still describes the previous generation, so a readiness check
 * made right after a write sees `observed deployment generation less than desired generation`, as
 * on a real cluster.
 */
export const ROLLOUT_LAG_MS = 1000;

/**
 * Plays the deployment and daemonset controllers and the kubelet for `serin simulate`: when a
 * workload's template or pod count changes, its pods "start" with the behaviour of the matching
 * scenario version (their ConfigMaps are read at that moment, as a real pod reads its config at
 * start), and after {@link ROLLOUT_LAG_MS} the workload's status says what Flagger's readiness
 * checks look at.
 */
export class WorkloadSimulator {
  /** Pods by `<kind>/<namespace>/<name>`. */
  private readonly pods = new Map<string, PodsState>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: { readonly cluster: Cluster; readonly clock: Clock },
    private readonly versions: readonly ScenarioVersion[],
  ) {}

  start(): void {
    for (const gvk of WORKLOAD_KINDS) {
      this.unsubscribe.push(this.deps.cluster.subscribe(gvk, (e) => this.onWorkload(e)));
      for (const w of this.deps.cluster.list<WorkloadLike>(gvk)) this.sync(w);
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** The behaviour of the running pods of the Deployment or DaemonSet `name` (undefined while none run). */
  runningVersion(namespace: string, name: string): ScenarioVersion | undefined {
    for (const { kind } of WORKLOAD_KINDS) {
      const state = this.pods.get(`${kind}/${namespace}/${name}`);
      if (state && state.replicas > 0) return this.versions.find((v) => v.name === state.version);
    }
    return undefined;
  }

  private onWorkload(event: WatchEvent): void {
    if (event.type === 'deleted') {
      this.pods.delete(keyOf(event.object));
      return;
    }
    this.sync(event.object as WorkloadLike);
  }

  private sync(w: WorkloadLike): void {
    const key = keyOf(w);
    const generation = w.metadata.generation ?? 1;
    const replicas = podCount(w);
    const previous = this.pods.get(key);
    const now = this.deps.clock.now();
    let state: PodsState;
    if (!previous || previous.generation !== generation || (previous.replicas === 0) !== (replicas === 0)) {
      const version = versionOf(w, this.versions, (name) => this.configData(w.metadata.namespace, name));
      const ready = version?.ready ?? true;
      const delay = ready === true ? 0 : ready === false ? undefined : (durationMs(ready) ?? 0);
      state = {
        generation,
        replicas,
        version: version?.name ?? '',
        since: now,
        readyAt: delay === undefined ? undefined : now + ROLLOUT_LAG_MS + delay,
      };
    } else if (previous.replicas !== replicas) {
      state = { ...previous, replicas };
    } else {
      return; // a status write (ours) or a metadata change: nothing for the pods
    }
    this.pods.set(key, state);
    // The controllers report after the lag, and again when the pods become ready.
    const report = () => {
      const live = this.live(w);
      const current = this.pods.get(key);
      if (live && current === state) void this.writeStatus(live, current);
    };
    this.deps.clock.setTimer(report, ROLLOUT_LAG_MS);
    if (state.readyAt !== undefined && state.readyAt > now + ROLLOUT_LAG_MS) {
      this.deps.clock.setTimer(report, state.readyAt - now);
    }
  }

  private live(w: WorkloadLike): WorkloadLike | undefined {
    const { apiVersion, kind } = w;
    return this.deps.cluster.get<WorkloadLike>({
      apiVersion,
      kind,
      namespace: w.metadata.namespace,
      name: w.metadata.name ?? '',
    });
  }

  private configData(namespace: string | undefined, name: string): Record<string, string> | undefined {
    return this.deps.cluster.get<KubeObject>({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name })?.data as
      Record<string, string> | undefined;
  }

  /** Writes the status Flagger's readiness checks read (observedGeneration, pod counts, conditions). */
  private async writeStatus(w: WorkloadLike, state: PodsState): Promise<void> {
    const now = this.deps.clock.now();
    const pods = podCount(w);
    const ready = state.readyAt !== undefined && state.readyAt <= now;
    const available = pods === 0 || ready ? pods : 0;
    const status =
      w.kind === DAEMON_SET.kind
        ? daemonSetStatus(w, pods, available)
        : deploymentStatus(w, pods, available, new Date(state.since).toISOString());
    const live = this.live(w);
    if (!live || JSON.stringify(live.status) === JSON.stringify(status)) return;
    try {
      await this.deps.cluster.updateStatus({ ...live, status });
    } catch {
      // A newer version arrived meanwhile; its watch event brings us back here.
    }
  }
}

function keyOf(w: KubeObject): string {
  return `${w.kind}/${w.metadata.namespace}/${w.metadata.name}`;
}

/** A Deployment's status with `replicas` pods of which `available` are available, rolling out since `since`. */
function deploymentStatus(d: WorkloadLike, replicas: number, available: number, since: string) {
  const availableCondition =
    available >= replicas
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' };
  return {
    observedGeneration: d.metadata.generation ?? 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: available,
    availableReplicas: available,
    ...(available < replicas ? { unavailableReplicas: replicas - available } : {}),
    conditions: [
      { ...availableCondition, lastUpdateTime: since, lastTransitionTime: since },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        lastUpdateTime: since,
        lastTransitionTime: since,
      },
    ],
  };
}

/** A DaemonSet's status with a pod of the current template on each of `pods` nodes, `available` of them available. */
function daemonSetStatus(ds: WorkloadLike, pods: number, available: number) {
  return {
    observedGeneration: ds.metadata.generation ?? 1,
    currentNumberScheduled: pods,
    desiredNumberScheduled: pods,
    numberMisscheduled: 0,
    updatedNumberScheduled: pods,
    numberReady: available,
    numberAvailable: available,
    ...(available < pods ? { numberUnavailable: pods - available } : {}),
  };
}
