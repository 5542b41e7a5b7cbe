import type { Cluster, WatchEvent } from '../kube/cluster.js';
import type { KubeObject } from '../kube/objects.js';
import type { Clock } from '../controller/clock.js';
import { durationMs, type ScenarioVersion } from './scenario.js';

interface DeploymentLike extends KubeObject {
  spec: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> }; spec?: PodSpecLike } };
  status?: Record<string, unknown>;
}
interface PodSpecLike {
  containers?: {
    image?: string;
    env?: { valueFrom?: { configMapKeyRef?: { name?: string } } }[];
    envFrom?: { configMapRef?: { name?: string } }[];
  }[];
  volumes?: { configMap?: { name?: string }; projected?: { sources?: { configMap?: { name?: string } }[] } }[];
}

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

/** Which scenario behaviour a Deployment's pods have, from their template and the ConfigMaps they read. */
export function versionOf(
  d: DeploymentLike,
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
 * How long the deployment controller and the kubelet take to report a changed Deployment: until
 * then its status still describes the previous generation, so a readiness check made right after a
 * write sees `observed deployment generation less than desired generation`, as on a real cluster.
 */
export const ROLLOUT_LAG_MS = 1000;

/**
 * Plays the deployment controller and the kubelet for `serin simulate`: when a Deployment's
 * template or replicas change, its pods "start" with the behaviour of the matching scenario
 * version (their ConfigMaps are read at that moment, as a real pod reads its config at start), and
 * after {@link ROLLOUT_LAG_MS} the Deployment's status says what Flagger's readiness checks look at.
 */
export class WorkloadSimulator {
  private readonly pods = new Map<string, PodsState>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: { readonly cluster: Cluster; readonly clock: Clock },
    private readonly versions: readonly ScenarioVersion[],
  ) {}

  start(): void {
    this.unsubscribe = this.deps.cluster.subscribe(DEPLOYMENT, (e) => this.onDeployment(e));
    for (const d of this.deps.cluster.list<DeploymentLike>(DEPLOYMENT)) this.sync(d);
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** The behaviour of a Deployment's running pods (undefined while none run). */
  runningVersion(namespace: string, name: string): ScenarioVersion | undefined {
    const state = this.pods.get(`${namespace}/${name}`);
    return state && state.replicas > 0 ? this.versions.find((v) => v.name === state.version) : undefined;
  }

  private onDeployment(event: WatchEvent): void {
    const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
    if (event.type === 'deleted') {
      this.pods.delete(key);
      return;
    }
    this.sync(event.object as DeploymentLike);
  }

  private sync(d: DeploymentLike): void {
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    const generation = d.metadata.generation ?? 1;
    const replicas = d.spec.replicas ?? 1;
    const previous = this.pods.get(key);
    const now = this.deps.clock.now();
    let state: PodsState;
    if (!previous || previous.generation !== generation || (previous.replicas === 0) !== (replicas === 0)) {
      const version = versionOf(d, this.versions, (name) => this.configData(d.metadata.namespace, name));
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
      const live = this.deps.cluster.get<DeploymentLike>({
        ...DEPLOYMENT,
        namespace: d.metadata.namespace,
        name: d.metadata.name ?? '',
      });
      const current = this.pods.get(key);
      if (live && current === state) void this.writeStatus(live, current);
    };
    this.deps.clock.setTimer(report, ROLLOUT_LAG_MS);
    if (state.readyAt !== undefined && state.readyAt > now + ROLLOUT_LAG_MS) {
      this.deps.clock.setTimer(report, state.readyAt - now);
    }
  }

  private configData(namespace: string | undefined, name: string): Record<string, string> | undefined {
    return this.deps.cluster.get<KubeObject>({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name })?.data as
      Record<string, string> | undefined;
  }

  /** Writes the status Flagger's readiness checks read (observedGeneration, replica counts, conditions). */
  private async writeStatus(d: DeploymentLike, state: PodsState): Promise<void> {
    const now = this.deps.clock.now();
    const replicas = d.spec.replicas ?? 1;
    const ready = state.readyAt !== undefined && state.readyAt <= now;
    const available = replicas === 0 || ready ? replicas : 0;
    const since = new Date(state.since).toISOString();
    const status = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: available,
      availableReplicas: available,
      ...(available < replicas ? { unavailableReplicas: replicas - available } : {}),
      conditions: [
        available >= replicas
          ? {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              lastUpdateTime: since,
              lastTransitionTime: since,
            }
          : {
              type: 'Available',
              status: 'False',
              reason: 'MinimumReplicasUnavailable',
              lastUpdateTime: since,
              lastTransitionTime: since,
            },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          lastUpdateTime: since,
          lastTransitionTime: since,
        },
      ],
    };
    const live = this.deps.cluster.get<DeploymentLike>({
      ...DEPLOYMENT,
      namespace: d.metadata.namespace,
      name: d.metadata.name ?? '',
    });
    if (!live || JSON.stringify(live.status) === JSON.stringify(status)) return;
    try {
      await this.deps.cluster.updateStatus({ ...live, status });
    } catch {
      // A newer version arrived meanwhile; its watch event brings us back here.
    }
  }
}
