/**
 * Plays the readiness probe for pods whose readiness the test decides. kwok starts pods carrying
 * the `kwok.serin.dev/unready` annotation as Running but not Ready; this prober then marks each such
 * pod Ready — or leaves it unready — from its ConfigMap, the way an app that cannot start with a
 * broken setting fails its probe. The primary's pods read the `-primary` copy, so a broken commit
 * hurts only the canary, as in the seed's first scenario.
 */
import type { Cluster, WatchEvent } from '../../src/kube/cluster.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { UNREADY_ANNOTATION } from '../../src/devcluster/kwok-stages.js';
import { POD, type SimPod } from './routing.js';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;

/** Ready unless the pod's ConfigMap `key` holds a line `ready=false` (a properties file). */
export function readyFromConfigMap(key = 'application.properties') {
  return (pod: SimPod, cluster: Cluster): boolean => {
    for (const volume of pod.spec?.volumes ?? []) {
      const name = volume.configMap?.name;
      if (!name) continue;
      const text = cluster.get<KubeObject>({ ...CONFIG_MAP, namespace: pod.metadata.namespace, name })?.data as
        Record<string, string> | undefined;
      if (text?.[key]?.split('\n').some((line) => line.trim() === 'ready=false')) return false;
    }
    return true;
  };
}

export class ReadinessProber {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: { readonly cluster: Cluster },
    private readonly options: {
      readonly namespace: string;
      readonly ready: (pod: SimPod, cluster: Cluster) => boolean;
    },
  ) {}

  start(): void {
    this.unsubscribe = this.deps.cluster.subscribe(POD, (e: WatchEvent) => void this.probe(e.object));
    for (const pod of this.deps.cluster.list<SimPod>(POD, this.options.namespace)) void this.probe(pod);
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private async probe(pod: SimPod): Promise<void> {
    if (pod.metadata.namespace !== this.options.namespace || pod.metadata.deletionTimestamp) return;
    if (pod.metadata.annotations?.[UNREADY_ANNOTATION] === undefined) return;
    const status = pod.status as { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
    if (status?.phase !== 'Running') return; // kwok has not started it yet
    const ready = this.options.ready(pod, this.deps.cluster);
    const isReady = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (ready === isReady) return;
    const now = new Date().toISOString();
    const state = ready ? 'True' : 'False';
    const conditions = [
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: state, lastTransitionTime: now },
      { type: 'ContainersReady', status: state, lastTransitionTime: now },
    ];
    const containerStatuses = ((pod.status as { containerStatuses?: object[] }).containerStatuses ?? []).map((c) => ({
      ...c,
      ready,
    }));
    try {
      await this.deps.cluster.updateStatus({
        ...pod,
        status: { ...(pod.status as object), conditions, containerStatuses },
      });
    } catch {
      // The pod changed meanwhile; its watch event brings it back here.
    }
  }
}
