import {
  KubeErrorReason,
  KubeWriteError,
  type Cluster,
  type MergePatch,
  type WatchEvent,
  type WriteOptions,
} from '../kube/cluster.js';
import { describeRef, refOf, type Gvk, type KubeObject, type ObjectMeta, type ObjectRef } from '../kube/objects.js';
import { jsonEqual } from '../kube/json-equal.js';
import { applyMergePatch } from './merge-patch.js';
import { ObjectStore } from './object-store.js';
import { sealed, sealedInPlace } from './sealed.js';

/** Kinds (all of core `v1`) without a status subresource: a PUT replaces everything. */
const NO_STATUS_SUBRESOURCE: ReadonlySet<string> = new Set(['ConfigMap', 'Secret', 'Event', 'Namespace']);

export interface MemoryClusterOptions {
  /** Current time, ms (virtual in simulations): creation and deletion timestamps. */
  readonly now: () => number;
  /** Delivers watch events; default: a microtask, so handlers run after the write returns, as with a real watch. */
  readonly deliver?: (fn: () => void) => void;
}

/** `metadata` without `generateName` (the server turns it into the name), built without deleting a field. */
function withoutGenerateName(metadata: ObjectMeta): ObjectMeta {
  if (!Object.hasOwn(metadata, 'generateName')) return metadata;
  const out: Record<string, unknown> = {};
  const from = metadata as Record<string, unknown>;
  for (const key in from) {
    if (!Object.hasOwn(from, key) || key === 'generateName') continue;
    const value = from[key];
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

/** Metadata fields the API server owns: a client cannot change them. */
const SERVER_OWNED: ReadonlySet<string> = new Set(['uid', 'creationTimestamp', 'deletionTimestamp']);

const isMetadataOrStatus = (key: string) => key === 'metadata' || key === 'status';
const isResourceVersion = (key: string) => key === 'resourceVersion';

/**
 * Whether `a` and `b` hold the same JSON in every field but the skipped ones (a field set to
 * undefined is a field left out, as in JSON). Compares in place: a write compares the whole object.
 */
function sameFields(a: object, b: object, skip: (key: string) => boolean): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) {
    if (Object.hasOwn(x, key) && !skip(key) && !jsonEqual(x[key], Object.hasOwn(y, key) ? y[key] : undefined)) {
      return false;
    }
  }
  for (const key in y)
    if (Object.hasOwn(y, key) && !Object.hasOwn(x, key) && !skip(key) && y[key] !== undefined) return false;
  return true;
}

/**
 * The metadata a write stores: what the client sent, with the generation given and the fields the
 * server owns as they are (in their place when sent, else after the others). Built field by field
 * (deleting a field made the object slow to read and to copy).
 */
function serverMetadata(sent: ObjectMeta, live: ObjectMeta, generation: number): ObjectMeta {
  const out: Record<string, unknown> = {};
  const from = sent as Record<string, unknown>;
  const kept = live as Record<string, unknown>;
  const put = (key: string, value: unknown) => {
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  };
  for (const key in from) {
    if (!Object.hasOwn(from, key)) continue;
    if (key === 'generation') put(key, generation);
    else if (!SERVER_OWNED.has(key)) put(key, from[key]);
    else if (kept[key] !== undefined) put(key, kept[key]);
  }
  if (!Object.hasOwn(out, 'generation')) out.generation = generation;
  for (const key of SERVER_OWNED) if (!Object.hasOwn(out, key) && kept[key] !== undefined) out[key] = kept[key];
  return out;
}

/**
 * An in-memory API server for everything Serin's controller uses: resourceVersions and conflicts,
 * generations, the status subresource, finalizers and deletion timestamps, owner-reference garbage
 * collection, merge patches and watch events. It is the cluster of `serin simulate`; tests of the
 * operator itself run against a real API server.
 */
export class MemoryCluster implements Cluster {
  private readonly objects = new ObjectStore();
  /** Watch handlers by apiVersion, then kind. */
  private readonly handlers = new Map<string, Map<string, Set<(event: WatchEvent) => void>>>();
  private revision = 0;
  private uids = 0;
  private stamp = { at: Number.NaN, iso: '' };
  /** Write requests served, by verb (for the simulator's statistics and tests). */
  readonly writes = { create: 0, update: 0, updateStatus: 0, patch: 0, delete: 0 };

  constructor(private readonly options: MemoryClusterOptions) {}

  /** The timestamp of the current time, kept while the time stands (a simulation's writes share a few instants). */
  private timestamp(): string {
    const at = this.options.now();
    if (at !== this.stamp.at) this.stamp = { at, iso: new Date(at).toISOString() };
    return this.stamp.iso;
  }

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
    let kinds = this.handlers.get(gvk.apiVersion);
    if (!kinds) this.handlers.set(gvk.apiVersion, (kinds = new Map<string, Set<(event: WatchEvent) => void>>()));
    let set = kinds.get(gvk.kind);
    if (!set) kinds.set(gvk.kind, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  create<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    this.writes.create++;
    const ref = this.refFor(obj);
    if (this.get(ref)) return this.fail(KubeErrorReason.AlreadyExists, 409, 'POST', ref, 'already exists');
    const now = this.timestamp();
    const stored = {
      ...obj,
      metadata: {
        ...withoutGenerateName(obj.metadata),
        name: ref.name,
        uid: `uid-${++this.uids}`,
        generation: 1,
        creationTimestamp: now,
        resourceVersion: String(++this.revision),
      },
    } as T;
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
    const hasStatus = !(live.apiVersion === 'v1' && NO_STATUS_SUBRESOURCE.has(live.kind));
    // The status subresource changes the status and nothing else (the body may carry only that).
    // Shallow: `store` seals the result, copying only what the caller built (not what it took from `live`).
    const next = statusOnly ? ({ ...live, status: obj.status } as KubeObject) : ({ ...obj } as KubeObject);
    if (!statusOnly && hasStatus) {
      if (live.status === undefined) delete next.status;
      else next.status = live.status;
    }
    const specChanged = !sameFields(live, next, isMetadataOrStatus);
    next.metadata = serverMetadata(
      next.metadata,
      live.metadata,
      (live.metadata.generation ?? 1) + (specChanged ? 1 : 0),
    );
    // A changed spec is a new generation, so only an unchanged one can make a no-op write.
    if (
      !specChanged &&
      jsonEqual(next.status, live.status) &&
      sameFields(next.metadata, live.metadata, isResourceVersion)
    ) {
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

  /** Stores `obj`, which this cluster has just built with its metadata, and no one else holds yet. */
  private store<T extends KubeObject>(obj: T, old: KubeObject | undefined): T {
    if (!Object.isFrozen(obj.metadata)) sealedInPlace(obj.metadata);
    const frozen = sealedInPlace(obj);
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
    const subscribed = this.handlers.get(event.object.apiVersion)?.get(event.object.kind);
    if (!subscribed || subscribed.size === 0) return;
    const handlers = [...subscribed];
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
