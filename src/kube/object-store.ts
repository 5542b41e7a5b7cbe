/**
 * The objects of one watch cache, indexed by namespace: `list(namespace)` costs the objects of that
 * namespace, not of the whole cluster (a mesh of 5,000 services asks for one namespace's pods
 * thousands of times a second), and a list is sorted once per change, not once per call.
 */
import { objectKey, type KubeObject } from './objects.js';

const byKey = ([a]: [string, KubeObject], [b]: [string, KubeObject]): number => (a < b ? -1 : a > b ? 1 : 0);

export class ObjectStore {
  private readonly all = new Map<string, KubeObject>();
  private readonly namespaces = new Map<string, Map<string, KubeObject>>();
  /** Sorted lists by namespace ('' for cluster-scoped objects, `*` for all), until the next change. */
  private readonly sorted = new Map<string, readonly KubeObject[]>();

  get size(): number {
    return this.all.size;
  }

  get(key: string): KubeObject | undefined {
    return this.all.get(key);
  }

  has(key: string): boolean {
    return this.all.has(key);
  }

  set(obj: KubeObject): void {
    const namespace = obj.metadata.namespace ?? '';
    const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    this.all.set(key, obj);
    let inNamespace = this.namespaces.get(namespace);
    if (!inNamespace) this.namespaces.set(namespace, (inNamespace = new Map<string, KubeObject>()));
    inNamespace.set(key, obj);
    this.changed(namespace);
  }

  delete(key: string): void {
    const obj = this.all.get(key);
    if (!obj) return;
    const namespace = obj.metadata.namespace ?? '';
    this.all.delete(key);
    const inNamespace = this.namespaces.get(namespace);
    inNamespace?.delete(key);
    if (inNamespace?.size === 0) this.namespaces.delete(namespace);
    this.changed(namespace);
  }

  /** Every key and object (in insertion order). */
  entries(): IterableIterator<[string, KubeObject]> {
    return this.all.entries();
  }

  /** The objects of `namespace` (all when undefined), sorted by key; a new array the caller may change. */
  list(namespace?: string): KubeObject[] {
    const which = namespace ?? '*';
    let sorted = this.sorted.get(which);
    if (!sorted) {
      const source =
        namespace === undefined ? this.all : (this.namespaces.get(namespace) ?? new Map<string, KubeObject>());
      sorted = [...source.entries()].sort(byKey).map(([, o]) => o);
      this.sorted.set(which, sorted);
    }
    return [...sorted];
  }

  private changed(namespace: string): void {
    this.sorted.delete(namespace);
    this.sorted.delete('*');
  }
}
