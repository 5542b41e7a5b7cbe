import {
  KubeErrorReason,
  KubeWriteError,
  type Cluster,
  type MergePatch,
  type WatchEvent,
  type WriteOptions,
} from './cluster.js';
import { Informer, type InformerHealth } from './informer.js';
import type { KubeAccess } from './kube-access.js';
import { withoutManagedFields } from './managed-fields.js';
import { describeRef, gvkKey, refOf, type Gvk, type KubeObject, type ObjectRef } from './objects.js';
import { KubeRest, type ApiRequestRecord } from './rest.js';

export interface ApiClusterOptions {
  /** The kinds to cache; `get`/`list`/`subscribe` work only for these. */
  readonly kinds: readonly Gvk[];
  /** Watch only this namespace (namespaced kinds); all namespaces when unset. */
  readonly namespace?: string | undefined;
  /** Called when a watch restarts after an error. */
  readonly onWatchRestart?: (gvk: Gvk, error: string, attempt: number) => void;
  /** Hears every API request and its answer (for metrics). */
  readonly onApiRequest?: (record: ApiRequestRecord) => void;
  /** Field selectors by kind (`gvkKey`): only matching objects are cached. */
  readonly fieldSelectors?: Readonly<Record<string, string>>;
  /** Objects per page of a first list (default 500). */
  readonly listPageSize?: number;
}

const REASONS: Record<string, KubeErrorReason> = {
  NotFound: KubeErrorReason.NotFound,
  AlreadyExists: KubeErrorReason.AlreadyExists,
  Conflict: KubeErrorReason.Conflict,
  Invalid: KubeErrorReason.Invalid,
  Forbidden: KubeErrorReason.Forbidden,
};

/** The `Cluster` port on a real API server: informer caches for reads, REST for writes. */
export class ApiCluster implements Cluster {
  private readonly rest: KubeRest;
  private readonly informers = new Map<string, Informer>();
  private readonly handlers = new Map<string, Set<(event: WatchEvent) => void>>();

  constructor(
    kc: KubeAccess,
    private readonly options: ApiClusterOptions,
  ) {
    this.rest = new KubeRest(kc, options.onApiRequest);
  }

  /** Starts every watch and resolves when all caches hold their first list. */
  async start(): Promise<void> {
    await Promise.all(
      this.options.kinds.map(async (gvk) => {
        const informer = new Informer(this.rest, {
          path: await this.rest.collectionPath(gvk.apiVersion, gvk.kind, this.options.namespace),
          fieldSelector: this.options.fieldSelectors?.[gvkKey(gvk)],
          listPageSize: this.options.listPageSize,
          onEvent: (event) => this.dispatch(gvk, event),
          onRestart: (error, attempt) => this.options.onWatchRestart?.(gvk, error, attempt),
        });
        this.informers.set(gvkKey(gvk), informer);
        await informer.start();
      }),
    );
  }

  stop(): void {
    for (const informer of this.informers.values()) informer.stop();
  }

  /** Per-kind watch health (synced, restarts, last error). */
  health(): Record<string, InformerHealth> {
    return Object.fromEntries([...this.informers].map(([k, i]) => [k, i.status()]));
  }

  get<T = KubeObject>(ref: ObjectRef): T | undefined {
    return this.informer(ref).get(ref.namespace, ref.name) as T | undefined;
  }

  async read<T = KubeObject>(ref: ObjectRef, options: WriteOptions = {}): Promise<T | undefined> {
    const path = await this.rest.resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    try {
      return await this.write<T>(ref, path, 'GET', undefined, {
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (err instanceof KubeWriteError && err.reason === KubeErrorReason.NotFound) return undefined;
      throw err;
    }
  }

  list<T = KubeObject>(gvk: Gvk, namespace?: string): T[] {
    return this.informer(gvk).list(namespace) as T[];
  }

  subscribe(gvk: Gvk, handler: (event: WatchEvent) => void): () => void {
    const key = gvkKey(gvk);
    this.informer(gvk);
    let set = this.handlers.get(key);
    if (!set) this.handlers.set(key, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  async create<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const path = await this.rest.resourcePath(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return this.write<T>(refOf(obj), path, 'POST', obj, options);
  }

  async update<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const ref = refOf(obj);
    const path = await this.rest.resourcePath(obj.apiVersion, obj.kind, ref.namespace, ref.name);
    return this.write<T>(ref, path, 'PUT', withoutManagedFields(obj), options);
  }

  async updateStatus<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const ref = refOf(obj);
    const path = await this.rest.resourcePath(obj.apiVersion, obj.kind, ref.namespace, ref.name);
    return this.write<T>(ref, `${path}/status`, 'PUT', withoutManagedFields(obj), options);
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: MergePatch,
    options: WriteOptions = {},
  ): Promise<T> {
    const path = await this.rest.resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    return this.write<T>(ref, path, 'PATCH', patch, options, 'application/merge-patch+json');
  }

  async delete(ref: ObjectRef, options: WriteOptions = {}): Promise<void> {
    const path = await this.rest.resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    try {
      await this.write(ref, path, 'DELETE', { propagationPolicy: 'Background' }, options);
    } catch (err) {
      if (!(err instanceof KubeWriteError && err.reason === KubeErrorReason.NotFound)) throw err;
    }
  }

  private async write<T>(
    ref: ObjectRef,
    path: string,
    method: string,
    body: unknown,
    options: WriteOptions,
    contentType?: string,
  ): Promise<T> {
    const query = options.dryRun ? '?dryRun=All' : '';
    const res = await this.rest.request(path + query, {
      method,
      body,
      ...(contentType ? { contentType } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status >= 200 && res.status < 300) {
      const result = JSON.parse(res.body) as T;
      if (method !== 'DELETE' && !options.dryRun) this.remember(result as KubeObject);
      return result;
    }
    let status: { reason?: string; message?: string } = {};
    try {
      status = JSON.parse(res.body) as typeof status;
    } catch {
      /* not a Status */
    }
    const reason = REASONS[status.reason ?? ''] ?? KubeErrorReason.Other;
    throw new KubeWriteError(
      reason,
      res.status,
      `${method} ${describeRef(ref)}: ${status.message ?? `HTTP ${res.status}`}`,
    );
  }

  /** Read-your-own-writes: the object a write returned goes into its kind's cache, if cached. */
  private remember(obj: KubeObject): void {
    const outside =
      this.options.namespace && obj.metadata.namespace && obj.metadata.namespace !== this.options.namespace;
    if (obj.apiVersion && obj.kind && !outside) this.informers.get(gvkKey(obj))?.remember(obj);
  }

  private informer(gvk: Gvk): Informer {
    const informer = this.informers.get(gvkKey(gvk));
    if (!informer) throw new Error(`${gvkKey(gvk)} is not cached by this cluster client; add it to its kinds`);
    return informer;
  }

  private dispatch(gvk: Gvk, event: WatchEvent): void {
    for (const handler of this.handlers.get(gvkKey(gvk)) ?? []) handler(event);
  }
}
