/**
 * Live updates over Server-Sent Events, pushed from the shared watch cache: changes are gathered
 * for {@link StreamOptions.flushMs} and sent as one `fleet` delta per viewer (only the namespaces
 * the viewer may list), and a viewer following one canary gets its whole `release` view when it or
 * its events change. Sends happen one after the other, so a viewer never receives an older state
 * after a newer one. A viewer whose connection cannot keep up is dropped (the page reconnects).
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessCache } from './access.js';
import { actionStates } from './actions.js';
import { SECURITY_HEADERS, safeJson } from './http.js';
import type { CanaryRow, FleetDelta, ReleaseView } from './model.js';
import type { ReleaseViews } from './release-view.js';
import type { CacheChange, DashboardCache } from './watch-cache.js';
import type { Viewer } from './viewer.js';

export interface StreamOptions {
  /** Changes gathered into one message, ms. Default 100. */
  readonly flushMs?: number;
  /** A comment line that keeps proxies from closing a quiet stream, ms. Default 15 s. */
  readonly pingMs?: number;
  /** How often each viewer's rights are looked at again without any change, ms. Default 10 s. */
  readonly refreshMs?: number;
  /** Unsent bytes after which a slow viewer is dropped. Default 8 MiB. */
  readonly maxBufferedBytes?: number;
}

interface Client {
  readonly res: ServerResponse;
  readonly viewer: Viewer;
  /** `namespace/name` of the canary the viewer follows. */
  readonly canary: string | undefined;
  /** The namespaces the viewer could list at the last send. */
  visible: Set<string> | undefined;
}

const namespaceOf = (key: string) => key.slice(0, key.indexOf('/'));

export class StreamHub {
  private readonly clients = new Set<Client>();
  private dirtyRows = new Set<string>();
  private dirtyReleases = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervals: NodeJS.Timeout[];
  private chain: Promise<void> = Promise.resolve();
  private readonly flushMs: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly deps: {
      readonly cache: DashboardCache;
      readonly access: AccessCache;
      readonly views: ReleaseViews;
      readonly log: Logger;
      /** Whether a viewer's credential still holds (a revoked token ends its streams); default yes. */
      readonly stillValid?: (viewer: Viewer) => Promise<boolean>;
    },
    options: StreamOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 100;
    this.maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.intervals = [
      setInterval(() => this.ping(), options.pingMs ?? 15_000),
      setInterval(() => this.serial(() => this.refreshAll()), options.refreshMs ?? 10_000),
    ];
    for (const i of this.intervals) i.unref();
  }

  /** How many viewers are connected. */
  get size(): number {
    return this.clients.size;
  }

  /** The cache changed: send it with the next batch. */
  changed(change: CacheChange): void {
    this.dirtyRows.add(change.key);
    this.dirtyReleases.add(change.key);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.serial(() => this.flush());
    }, this.flushMs);
  }

  /** Opens a stream for an authenticated viewer: the visible fleet at once, then deltas. */
  open(res: ServerResponse, viewer: Viewer, canary?: string): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const client: Client = { res, viewer, canary, visible: undefined };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    this.serial(async () => {
      const cached = this.cachedKeys();
      await this.sendFleet(client, cached, cached);
      if (canary) await this.sendRelease(client, new Map());
    });
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    clearTimeout(this.timer);
    for (const i of this.intervals) clearInterval(i);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  /** The rows of the fleet the viewer may see (for `GET /api/fleet` too). */
  async visibleRows(viewer: Viewer): Promise<CanaryRow[]> {
    const keys = this.cachedKeys();
    const visible = await this.deps.access.visible(viewer, keys.map(namespaceOf));
    return keys.filter((k) => visible.has(namespaceOf(k))).flatMap((k) => this.deps.cache.row(k) ?? []);
  }

  private serial(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((err: unknown) => this.deps.log.error({ err }, 'stream update failed'));
  }

  private async flush(): Promise<void> {
    const rows = [...this.dirtyRows];
    const releases = this.dirtyReleases;
    this.dirtyRows = new Set();
    this.dirtyReleases = new Set();
    const views = new Map<string, Promise<Omit<ReleaseView, 'actions'> | undefined>>();
    const cached = this.cachedKeys();
    for (const client of [...this.clients]) {
      await this.sendFleet(client, rows, cached);
      if (client.canary && releases.has(client.canary)) await this.sendRelease(client, views);
    }
  }

  private async refreshAll(): Promise<void> {
    const cached = this.cachedKeys();
    for (const client of [...this.clients]) {
      if (this.deps.stillValid && !(await this.deps.stillValid(client.viewer).catch(() => true))) {
        this.clients.delete(client);
        client.res.end();
        continue;
      }
      await this.sendFleet(client, [], cached);
    }
  }

  /**
   * Sends the rows of `keys` the viewer may see (a deleted canary as a delete), and, when the
   * viewer's rights changed since the last send, the rows of namespaces that appeared or vanished.
   * `cached` is every cached canary's key, found once per batch for all viewers.
   */
  private async sendFleet(client: Client, keys: readonly string[], cached: readonly string[]): Promise<void> {
    const namespaces = new Set([...cached, ...keys].map(namespaceOf));
    const visible = await this.deps.access.visible(client.viewer, namespaces);
    const before = client.visible;
    client.visible = visible;
    const send = new Set(keys.filter((k) => visible.has(namespaceOf(k))));
    const deletes = new Set<string>();
    if (before) {
      for (const k of cached) {
        const ns = namespaceOf(k);
        if (visible.has(ns) && !before.has(ns)) send.add(k);
        if (!visible.has(ns) && before.has(ns)) deletes.add(k);
      }
    }
    const upserts: CanaryRow[] = [];
    for (const k of send) {
      const row = this.deps.cache.row(k);
      if (row) upserts.push(row);
      else deletes.add(k);
    }
    if (before && upserts.length === 0 && deletes.size === 0) return;
    const delta: FleetDelta = { upserts, deletes: [...deletes] };
    this.write(client, 'fleet', delta);
  }

  private async sendRelease(
    client: Client,
    views: Map<string, Promise<Omit<ReleaseView, 'actions'> | undefined>>,
  ): Promise<void> {
    const key = client.canary;
    if (!key || !(await this.deps.access.can(client.viewer, { verb: 'list', namespace: namespaceOf(key) })).allowed)
      return;
    let pending = views.get(key);
    if (!pending) views.set(key, (pending = this.deps.views.view(key)));
    const view = await pending;
    const canary = this.deps.cache.canary(key);
    if (!view || !canary) return;
    const release: ReleaseView = { ...view, actions: await actionStates(this.deps.access, client.viewer, canary) };
    this.write(client, 'release', release);
  }

  /** Every cached canary's `namespace/name`, in key order. */
  private cachedKeys(): string[] {
    return this.deps.cache.list().map((c) => `${c.metadata.namespace}/${c.metadata.name}`);
  }

  private write(client: Client, event: string, data: unknown): void {
    if (!this.clients.has(client)) return;
    if (client.res.writableLength > this.maxBuffered) {
      this.deps.log.warn({ user: client.viewer.user }, 'dropping a viewer whose connection does not keep up');
      this.clients.delete(client);
      client.res.destroy();
      return;
    }
    client.res.write(`event: ${event}\ndata: ${safeJson(data)}\n\n`);
  }

  private ping(): void {
    for (const c of this.clients) c.res.write(': ping\n\n');
  }
}
