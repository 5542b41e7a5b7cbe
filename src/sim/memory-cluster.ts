import {
  KubeErrorReason,
  KubeWriteError,
  type Cluster,
  type MergePatch,
  type WatchEvent,
  type WriteOptions,
} from '../kube/cluster.js';
import { describeRef, gvkKey, refOf, type Gvk, type KubeObject, type ObjectRef } from '../kube/objects.js';
import { jsonEqual } from '../kube/json-equal.js';
import { applyMergePatch } from './merge-patch.js';
import { ObjectStore } from './object-store.js';
import { sealed } from './sealed.js';

/** Kinds without a status subresource: a PUT replaces everything. */
const NO_STATUS_SUBRESOURCE = new Set(['v1/ConfigMap', 'v1/Secret', 'v1/Event', 'v1/Namespace']);

export interface MemoryClusterOptions {
  /** Current time, ms (virtual in simulations): creation and deletion timestamps. */
  readonly now: () => number;
  /** Delivers watch events; default: a microtask, so handlers run after the write returns, as with a real watch. */
  readonly deliver?: (fn: () => void) => void;
}

/** The object as a no-op check compares it: without its resourceVersion. */
function withoutVersion(o: KubeObject): unknown {
  return { ...o, metadata: { ...o.metadata, resourceVersion: undefined } };
}

/**
 * An in-memory API server for everything Serin's controller uses: resourceVersions and conflicts,
 * generations, the status subresource, finalizers and deletion timestamps, owner-reference garbage
 * collection, merge patches and watch events. It is the cluster of `serin simulate`; tests of the
 * operator itself run against a real API server.
 */
export class MemoryCluster implements Cluster {
  private readonly objects = new ObjectStore();
  private readonly handlers = new Map<string, Set<(event: WatchEvent) => void>>();
  private revision = 0;
  private uids = 0;
  /** Write requests served, by verb (for the simulator's statistics and tests). */
  readonly writes = { create: 0, update: 0, updateStatus: 0, patch: 0, delete: 0 };

  constructor(private readonly options: MemoryClusterOptions) {}

  /** A number that changes with every stored change (the last resourceVersion handed out). */
  version(): number {
    return this.revision;
  }

  get<T = KubeObject>(ref: ObjectRef): T | undefined {
    return this.objects.get(ref) as T | undefined;
  }

  read<T = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return Promise.resolve(this.get<T>(ref));
  }

  list<T = KubeObject>(gvk: Gvk, namespace?: string): T[] {
    return this.objects.list(gvk, namespace) as T[];
  }

  subscribe(gvk: Gvk, handler: (event: WatchEvent) => void): () => void {
    const key = gvkKey(gvk);
    let set = this.handlers.get(key);
    if (!set) this.handlers.set(key, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  create<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    this.writes.create++;
    const ref = this.refFor(obj);
    if (this.get(ref)) return this.fail(KubeErrorReason.AlreadyExists, 409, 'POST', ref, 'already exists');
    const now = new Date(this.options.now()).toISOString();
    const stored = {
      ...obj,
      metadata: {
        ...obj.metadata,
        name: ref.name,
        uid: `uid-${++this.uids}`,
        generation: 1,
        creationTimestamp: now,
        resourceVersion: String(++this.revision),
      },
    } as T;
    delete (stored.metadata as { generateName?: string }).generateName;
    return Promise.resolve(options.dryRun ? structuredClone(stored) : this.store(stored, undefined));
  }

  update<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    this.writes.update++;
    return this.replace(obj, options, false);
  }

  updateStatus<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    this.writes.updateStatus++;
    return this.replace(obj, options, true);
  }

  patch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: MergePatch, options: WriteOptions = {}): Promise<T> {
    this.writes.patch++;
    const live = this.get<KubeObject>(ref);
    if (!live) return this.fail(KubeErrorReason.NotFound, 404, 'PATCH', ref, 'not found');
    const wanted = (patch.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (wanted !== undefined && wanted !== live.metadata.resourceVersion) {
      return this.fail(KubeErrorReason.Conflict, 409, 'PATCH', ref, 'the object has been modified');
    }
    // The merge copies the objects along the patched paths and shares the rest, which is sealed.
    const merged = applyMergePatch(live, patch) as KubeObject;
    return this.replace<T>(
      { ...merged, metadata: { ...merged.metadata, resourceVersion: live.metadata.resourceVersion } } as T,
      options,
      false,
      true,
    );
  }

  delete(ref: ObjectRef, options: WriteOptions = {}): Promise<void> {
    this.writes.delete++;
    const live = this.get<KubeObject>(ref);
    if (!live || options.dryRun) return Promise.resolve();
    if ((live.metadata.finalizers ?? []).length > 0) {
      if (!live.metadata.deletionTimestamp) {
        const marked = {
          ...live,
          metadata: {
            ...live.metadata,
            deletionTimestamp: new Date(this.options.now()).toISOString(),
            resourceVersion: String(++this.revision),
          },
        };
        this.store(marked, live);
      }
      return Promise.resolve();
    }
    this.remove(live);
    return Promise.resolve();
  }

  private replace<T extends KubeObject>(
    obj: T,
    options: WriteOptions,
    statusOnly: boolean,
    patching = false,
  ): Promise<T> {
    const ref = this.refFor(obj);
    const verb = patching ? 'PATCH' : 'PUT';
    const live = this.get<KubeObject>(ref);
    if (!live) return this.fail(KubeErrorReason.NotFound, 404, verb, ref, 'not found');
    if (obj.metadata.resourceVersion !== live.metadata.resourceVersion) {
      return this.fail(
        KubeErrorReason.Conflict,
        409,
        verb,
        ref,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const hasStatus = !NO_STATUS_SUBRESOURCE.has(gvkKey(live));
    // The status subresource changes the status and nothing else (the body may carry only that).
    // Shallow: `store` seals the result, copying only what the caller built (not what it took from `live`).
    const next = statusOnly ? ({ ...live, status: obj.status } as KubeObject) : ({ ...obj } as KubeObject);
    if (!statusOnly && hasStatus) {
      if (live.status === undefined) delete next.status;
      else next.status = live.status;
    }
    const specChanged = Object.keys({ ...live, ...next }).some(
      (k) => k !== 'metadata' && k !== 'status' && !jsonEqual(live[k], next[k]),
    );
    next.metadata = { ...next.metadata, generation: (live.metadata.generation ?? 1) + (specChanged ? 1 : 0) };
    // Fields the server owns cannot be changed by a client.
    for (const key of ['uid', 'creationTimestamp', 'deletionTimestamp'] as const) {
      if (live.metadata[key] === undefined) delete next.metadata[key];
      else next.metadata[key] = live.metadata[key];
    }
    if (jsonEqual(withoutVersion(next), withoutVersion(live))) {
      return Promise.resolve(live as T); // a no-op write keeps the resourceVersion, as the API server does
    }
    next.metadata.resourceVersion = String(++this.revision);
    if (options.dryRun) return Promise.resolve(structuredClone(next) as T);
    // Removing the last finalizer of an object being deleted completes the deletion.
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.remove(live);
      return Promise.resolve(sealed(next) as T);
    }
    return Promise.resolve(this.store(next as T, live));
  }

  private store<T extends KubeObject>(obj: T, old: KubeObject | undefined): T {
    const frozen = sealed(obj);
    this.objects.set(frozen);
    this.emit({ type: old ? 'modified' : 'added', object: frozen, old });
    return frozen;
  }

  /** Deletes an object and, in the background like the garbage collector, everything it controls. */
  private remove(obj: KubeObject): void {
    this.objects.delete(obj);
    this.emit({ type: 'deleted', object: obj, old: obj });
    const uid = obj.metadata.uid;
    for (const dependent of this.objects.all()) {
      if (dependent.metadata.ownerReferences?.some((o) => o.uid === uid)) void this.delete(refOf(dependent));
    }
  }

  private emit(event: WatchEvent): void {
    const handlers = [...(this.handlers.get(gvkKey(event.object)) ?? [])];
    if (handlers.length === 0) return;
    const deliver = this.options.deliver ?? queueMicrotask;
    deliver(() => {
      for (const h of handlers) h(event);
    });
  }

  private refFor(obj: KubeObject): ObjectRef {
    const name = obj.metadata.name ?? `${obj.metadata.generateName ?? 'object-'}${(++this.uids).toString(36)}`;
    return { ...refOf(obj), name };
  }

  private fail<T>(reason: KubeErrorReason, status: number, verb: string, ref: ObjectRef, what: string): Promise<T> {
    return Promise.reject(new KubeWriteError(reason, status, `${verb} ${describeRef(ref)}: ${what}`));
  }
}
