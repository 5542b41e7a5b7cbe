/**
 * A read-only `Cluster` over what `serin check` already read, so the operator's own
 * `CanaryMetricsAnalyzer` resolves MetricTemplates and their Secrets exactly as it does from its
 * caches. A read that failed (forbidden, unreachable) throws its reason, which the analyzer turns
 * into `cannot read Secret ns/name: …`. Writes are refused: `serin check` never changes the cluster.
 */
import type { Cluster, WatchEvent } from '../kube/cluster.js';
import { gvkKey, objectKey, type Gvk, type KubeObject, type ObjectRef } from '../kube/objects.js';
import type { Lookup } from './kube-reader.js';

/** What was read, by object. */
export class SnapshotCluster implements Cluster {
  private readonly lookups = new Map<string, Lookup>();

  /** Records the outcome of reading `ref`. */
  remember(ref: ObjectRef, lookup: Lookup): void {
    this.lookups.set(keyOf(ref), lookup);
  }

  get<T = KubeObject>(ref: ObjectRef): T | undefined {
    const lookup = this.lookups.get(keyOf(ref));
    if (lookup?.kind === 'unknown') throw new Error(lookup.reason);
    return lookup?.kind === 'found' ? (lookup.object as T) : undefined;
  }

  read<T = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return Promise.resolve(this.get<T>(ref));
  }

  list<T = KubeObject>(gvk: Gvk, namespace?: string): T[] {
    return [...this.lookups.values()]
      .flatMap((l) => (l.kind === 'found' ? [l.object] : []))
      .filter((o) => gvkKey(o) === gvkKey(gvk) && (namespace === undefined || o.metadata.namespace === namespace))
      .map((o) => o as T);
  }

  subscribe(_gvk: Gvk, _handler: (event: WatchEvent) => void): () => void {
    return () => undefined;
  }

  create<T extends KubeObject>(): Promise<T> {
    return refuse();
  }

  update<T extends KubeObject>(): Promise<T> {
    return refuse();
  }

  updateStatus<T extends KubeObject>(): Promise<T> {
    return refuse();
  }

  patch<T extends KubeObject = KubeObject>(): Promise<T> {
    return refuse();
  }

  delete(): Promise<void> {
    return refuse();
  }
}

function keyOf(ref: ObjectRef): string {
  return `${ref.kind}/${objectKey(ref.namespace, ref.name)}`;
}

function refuse(): Promise<never> {
  return Promise.reject(new Error('serin check never writes to the cluster'));
}
