import type { WatchEvent } from './cluster.js';
import { jsonEqual } from './json-equal.js';
import { objectKey, type KubeObject } from './objects.js';
import { cacheStrings } from './interned-strings.js';
import { compactManagedFields } from './managed-fields.js';
import { ObjectStore } from './object-store.js';
import { KubeApiError, type KubeRest } from './rest.js';

/** Health of one watch, for logs, metrics and readiness. */
export interface InformerHealth {
  /**
   * The cache follows the API server: its first list is in, and no watch has failed since the last
   * good list or the last watch the server accepted. False from a failed watch until then.
   */
  readonly synced: boolean;
  readonly restarts: number;
  readonly lastError?: string;
}

export interface InformerOptions {
  /** Collection path, e.g. `/apis/apps/v1/deployments` or `/api/v1/namespaces/shop/configmaps`. */
  readonly path: string;
  /** A field selector the list and the watch carry, e.g. `type!=helm.sh/release.v1`. */
  readonly fieldSelector?: string | undefined;
  /** Objects per page of a list. Default 500, as client-go's reflector. */
  readonly listPageSize?: number | undefined;
  readonly onEvent: (event: WatchEvent) => void;
  /** Called when a watch fails and is restarted (for logs and metrics). */
  readonly onRestart?: (error: string, attempt: number) => void;
  /** Backoff after a failed watch: doubles from `minMs` up to `maxMs`. Defaults 200 ms … 10 s. */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
}

/** Backoff after a failed watch (not after 410 Gone, which lists again at once). */
const DEFAULT_BACKOFF = { minMs: 200, maxMs: 10_000 } as const;

interface WatchLine {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

/**
 * A list+watch cache of one collection. It keeps watching for as long as it runs: a watch that
 * ends is resumed from the last resourceVersion; an expired one (410 Gone, as every resumed watch
 * gets after an API server restart) is replaced at once by a fresh list whose differences are
 * delivered as events, so subscribers never miss a change. Between a failed watch and the next good
 * list or watch the cache is reported unsynced (`status().synced`), and a good list resets the
 * backoff: after an outage the cache is current again as soon as the API server answers, not after
 * the backoff the outage built up. Cached objects keep only a compact form of their managedFields
 * (src/kube/managed-fields.ts).
 */
export class Informer {
  private readonly store = new ObjectStore();
  private resourceVersion = '';
  private readonly abort = new AbortController();
  private health: InformerHealth = { synced: false, restarts: 0 };
  private readonly syncedPromise: Promise<void>;
  private markSynced!: () => void;
  private running: Promise<void> | undefined;

  constructor(
    private readonly rest: KubeRest,
    private readonly options: InformerOptions,
  ) {
    this.syncedPromise = new Promise((resolve) => (this.markSynced = resolve));
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.syncedPromise;
  }

  stop(): void {
    this.abort.abort();
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(objectKey(namespace, name));
  }

  list(namespace?: string): KubeObject[] {
    return this.store.list(namespace);
  }

  /**
   * Puts an object the API server just returned for our own write into the cache, so the writer
   * reads its own write at once instead of after the watch event. Only a newer version replaces a
   * cached one (resourceVersions are etcd revisions; compared as numbers when both are numeric).
   * Subscribers are not called: the watch event for the same write follows and is delivered then.
   * Like every cached object, it is kept in {@link cacheForm}.
   */
  remember(written: KubeObject): void {
    const key = objectKey(written.metadata.namespace, written.metadata.name ?? '');
    const cached = this.store.get(key);
    const obj = cacheForm(written, cached);
    if (!cached || isNewer(obj.metadata.resourceVersion, cached.metadata.resourceVersion)) this.store.set(obj);
  }

  status(): InformerHealth {
    return this.health;
  }

  private async run(): Promise<void> {
    const { minMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    let delay = minMs;
    let needList = true;
    let lastGone = 0;
    while (!this.abort.signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
          delay = minMs; // the API server answers again: the next failure starts the backoff afresh
        }
        const watchPath = `${this.options.path}?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${this.resourceVersion}${this.selector('&')}`;
        await this.rest.stream(
          watchPath,
          (line) => this.apply(line as WatchLine),
          this.abort.signal,
          () => this.markLive(),
        );
        delay = minMs; // a clean end (server timeout): resume at once
      } catch (err) {
        if (this.abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        const gone = err instanceof GoneError || (err instanceof KubeApiError && err.status === 410);
        this.health = { synced: false, restarts: this.health.restarts + 1, lastError: message };
        this.options.onRestart?.(message, this.health.restarts);
        if (gone) {
          // The resourceVersion expired (an API server restart, a compaction): list again now, since
          // every moment spent waiting is a moment the cache serves objects that may have changed.
          // The server answered, so a failing list retries soon, not after the outage's backoff; only
          // a 410 straight after the last one waits, so a server that keeps answering 410 is not hammered.
          needList = true;
          const again = Date.now() - lastGone < minMs * 5;
          lastGone = Date.now();
          delay = again ? delay : minMs;
          if (!again) continue;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(maxMs, delay * 2);
      }
    }
  }

  private selector(separator: '?' | '&'): string {
    const { fieldSelector } = this.options;
    return fieldSelector ? `${separator}fieldSelector=${encodeURIComponent(fieldSelector)}` : '';
  }

  /** A watch is open again (the API server accepted it): the cache follows the server once more. */
  private markLive(): void {
    if (!this.health.synced && this.resourceVersion !== '') this.health = { ...this.health, synced: true };
  }

  private async relist(): Promise<void> {
    // In pages, as client-go's reflector lists: one response of 10,000 Deployments is tens of MB of
    // text parsed at once, the operator's peak memory. The pages are one snapshot (the first page's
    // resourceVersion); an expired continue token is a 410, which lists again from the start.
    const fresh = new Map<string, KubeObject>();
    let resourceVersion = '';
    let next: string | undefined = '';
    while (next !== undefined) {
      const page: ListPage = await this.rest.json<ListPage>(
        `${this.options.path}?limit=${this.options.listPageSize ?? LIST_PAGE}${next ? `&continue=${encodeURIComponent(next)}` : ''}${this.selector('&')}`,
        { signal: this.abort.signal },
      );
      const { apiVersion, kind } = collectionType(page);
      for (const item of page.items) {
        // Items of a list carry no apiVersion/kind; put them back so cached objects are complete.
        const key = objectKey(item.metadata.namespace, item.metadata.name ?? '');
        fresh.set(key, cacheForm({ ...item, apiVersion, kind }, this.store.get(key)));
      }
      resourceVersion ||= page.metadata.resourceVersion;
      next = page.metadata.continue || undefined;
    }
    for (const [key, old] of [...this.store.entries()]) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.options.onEvent({ type: 'deleted', object: old, old });
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(obj);
      if (!old) this.options.onEvent({ type: 'added', object: obj });
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.options.onEvent({ type: 'modified', object: obj, old });
      }
    }
    this.resourceVersion = resourceVersion;
    this.health = { ...this.health, synced: true };
    this.markSynced();
  }

  private apply(line: WatchLine): void {
    if (line.type === 'ERROR') {
      throw line.object.code === 410
        ? new GoneError(line.object.message ?? 'resource version expired')
        : new Error(line.object.message ?? 'watch error');
    }
    this.resourceVersion = line.object.metadata.resourceVersion ?? this.resourceVersion;
    if (line.type === 'BOOKMARK') return;
    const key = objectKey(line.object.metadata.namespace, line.object.metadata.name ?? '');
    const old = this.store.get(key);
    const obj = cacheForm(line.object, old);
    if (line.type === 'DELETED') {
      this.store.delete(key);
      this.options.onEvent({ type: 'deleted', object: obj, old });
    } else {
      // A version remembered from our own later write stays; the event is still delivered.
      if (!old || !isNewer(old.metadata.resourceVersion, obj.metadata.resourceVersion)) this.store.set(obj);
      const type = line.type === 'ADDED' ? 'added' : 'modified';
      this.options.onEvent({ type, object: obj, old: type === 'added' ? undefined : old });
    }
  }
}

class GoneError extends Error {}

/**
 * What the cache keeps of an object the API server sent: managedFields compacted, the parts equal to
 * the cached version's (a status write leaves the spec as it was) shared with it, repeated strings
 * shared with every other cached object (src/kube/interned-strings.ts), all frozen. A
 * Canary's spec keeps its identity across status writes, so its validation is not redone
 * (api/spec-cache.ts), and no caller can change the cache behind its back.
 */
function cacheForm(obj: KubeObject, previous: KubeObject | undefined): KubeObject {
  compactManagedFields(obj);
  if (previous) {
    const fresh = obj as unknown as Record<string, unknown>;
    const cached = previous as unknown as Record<string, unknown>;
    for (const part of Object.keys(fresh)) {
      if (part !== 'metadata' && part in cached && jsonEqual(fresh[part], cached[part])) fresh[part] = cached[part];
    }
  }
  return cacheStrings.freezeInterned(obj);
}

function isNewer(candidate: string | undefined, cached: string | undefined): boolean {
  if (!candidate || !cached || !/^\d+$/.test(candidate) || !/^\d+$/.test(cached)) return false;
  return BigInt(candidate) > BigInt(cached);
}

/** Objects per page of a list (client-go's reflector asks for 500). */
const LIST_PAGE = 500;

interface ListPage {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly resourceVersion: string; readonly continue?: string };
  readonly items: KubeObject[];
}

function collectionType(list: { apiVersion?: string; kind?: string }): { apiVersion: string; kind: string } {
  const kind = (list.kind ?? '').replace(/List$/, '');
  return { apiVersion: list.apiVersion ?? '', kind };
}
