/**
 * The dashboard's one shared view of the cluster: a watch on Canaries (everywhere, or one
 * namespace) and one on the Events about Canaries, read with the dashboard's own credentials. Every
 * viewer is served from it; nothing asks the API server per viewer. The informers restart on their
 * own after the API server goes away, and list again when it is back.
 */
import type { WatchEvent } from '../kube/cluster.js';
import { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import { CanaryHistory } from './history.js';
import type { CanaryRow, EventSummary, TimelineEvent } from './model.js';
import { canaryRow, eventSummary, eventTime, involvedKey, text, timelineEvent } from './rows.js';

/** Events kept per canary (the newest); the API server keeps them an hour by default. */
export const MAX_EVENTS_PER_CANARY = 200;

/** What changed: a canary itself, or the events about it. */
export interface CacheChange {
  readonly key: string;
  readonly what: 'canary' | 'events';
}

export interface DashboardCacheOptions {
  /** Watch only this namespace. */
  readonly namespace?: string | undefined;
  readonly onChange: (change: CacheChange) => void;
  readonly onRestart?: (what: 'canaries' | 'events', error: string, attempt: number) => void;
  /** An object could not be taken into the cache (it is skipped). */
  readonly onError?: (err: unknown) => void;
  readonly now?: () => number;
}

/** Whether the cache follows the API server, and if not, why (for the page and logs). */
export interface CacheHealth {
  readonly synced: boolean;
  readonly problem?: string;
}

export class DashboardCache {
  private readonly canaries: Informer;
  private readonly events: Informer;
  private readonly eventsByCanary = new Map<string, Map<string, KubeObject>>();
  private readonly histories = new Map<string, CanaryHistory>();
  private readonly rows = new Map<string, { canary: KubeObject; last: KubeObject | undefined; row: CanaryRow }>();
  private readonly now: () => number;

  constructor(
    rest: KubeRest,
    private readonly options: DashboardCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    const ns = options.namespace ? `/namespaces/${encodeURIComponent(options.namespace)}` : '';
    this.canaries = new Informer(rest, {
      path: `/apis/flagger.app/v1beta1${ns}/canaries`,
      onEvent: (e) => this.safely(() => this.onCanary(e)),
      onRestart: (error, attempt) => options.onRestart?.('canaries', error, attempt),
    });
    this.events = new Informer(rest, {
      path: `/api/v1${ns}/events`,
      fieldSelector: 'involvedObject.kind=Canary',
      onEvent: (e) => this.safely(() => this.onEvent(e)),
      onRestart: (error, attempt) => options.onRestart?.('events', error, attempt),
    });
  }

  /** Starts both watches; resolves once both first lists are in (they keep retrying until then). */
  async start(): Promise<void> {
    await Promise.all([this.canaries.start(), this.events.start()]);
  }

  stop(): void {
    this.canaries.stop();
    this.events.stop();
  }

  health(): CacheHealth {
    const c = this.canaries.status();
    const e = this.events.status();
    if (c.synced && e.synced) return { synced: true };
    const problem = c.lastError ?? e.lastError ?? 'the first list of canaries is not in yet';
    return { synced: false, problem: `not following the API server now: ${problem}${this.hint(problem)}` };
  }

  /** What a person can do about the watch's last error. */
  private hint(problem: string): string {
    if (/forbidden/i.test(problem) && !this.options.namespace)
      return ' (without the right to list canaries and events in all namespaces, run it with --namespace)';
    // A connection refused, reset or cut (the informer aborts a watch that goes silent).
    if (/aborted|ECONNREFUSED|ECONNRESET|socket hang up|timed? ?out|EAI_AGAIN|ENOTFOUND/i.test(problem))
      return ' (the API server does not answer; the page shows what was last seen and catches up when it is back)';
    return '';
  }

  /** Every cached canary, in key order. */
  list(): KubeObject[] {
    return this.canaries.list();
  }

  /** The cached Canary `namespace/name`. */
  canary(key: string): KubeObject | undefined {
    const slash = key.indexOf('/');
    return this.canaries.get(key.slice(0, slash), key.slice(slash + 1));
  }

  /** The fleet row of a canary, rebuilt only when the canary or its newest event changed. */
  row(key: string): CanaryRow | undefined {
    const canary = this.canary(key);
    if (!canary) {
      this.rows.delete(key);
      return undefined;
    }
    const last = this.newestEvent(key);
    const memo = this.rows.get(key);
    if (memo && memo.canary === canary && memo.last === last) return memo.row;
    const row = canaryRow(canary, last ? eventSummary(last) : undefined);
    this.rows.set(key, { canary, last, row });
    return row;
  }

  /** The canary's events, oldest first. */
  timeline(key: string): TimelineEvent[] {
    return [...(this.eventsByCanary.get(key)?.values() ?? [])].map(timelineEvent).sort((a, b) => a.t - b.t);
  }

  history(key: string): CanaryHistory | undefined {
    return this.histories.get(key);
  }

  lastEvent(key: string): EventSummary | undefined {
    const last = this.newestEvent(key);
    return last ? eventSummary(last) : undefined;
  }

  private newestEvent(key: string): KubeObject | undefined {
    let newest: KubeObject | undefined;
    let newestAt = -Infinity;
    for (const e of this.eventsByCanary.get(key)?.values() ?? []) {
      const at = eventTime(e);
      // Timestamps have whole seconds: within one, the later write (higher resourceVersion) wins.
      if (
        at > newestAt ||
        (at === newestAt && Number(e.metadata.resourceVersion) > Number(newest?.metadata.resourceVersion))
      ) {
        newest = e;
        newestAt = at;
      }
    }
    return newest;
  }

  /**
   * An object the dashboard cannot digest must not end the watch (the informer would restart it
   * and meet the same object again): it is skipped and reported.
   */
  private safely(handle: () => void): void {
    try {
      handle();
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private onCanary(event: WatchEvent): void {
    const key = `${text(event.object.metadata?.namespace)}/${text(event.object.metadata?.name)}`;
    if (event.type === 'deleted') {
      this.histories.delete(key);
      this.rows.delete(key);
    } else {
      let history = this.histories.get(key);
      if (!history) this.histories.set(key, (history = new CanaryHistory()));
      history.observe(event.object, this.now());
    }
    this.options.onChange({ key, what: 'canary' });
  }

  private onEvent(event: WatchEvent): void {
    const key = involvedKey(event.object);
    const id = `${text(event.object.metadata?.namespace)}/${text(event.object.metadata?.name)}`;
    let events = this.eventsByCanary.get(key);
    if (event.type === 'deleted') {
      events?.delete(id);
      if (events?.size === 0) this.eventsByCanary.delete(key);
    } else {
      if (!events) this.eventsByCanary.set(key, (events = new Map<string, KubeObject>()));
      events.set(id, event.object);
      if (events.size > MAX_EVENTS_PER_CANARY) {
        const oldest = [...events].sort(([, a], [, b]) => eventTime(a) - eventTime(b))[0];
        if (oldest) events.delete(oldest[0]);
      }
    }
    this.options.onChange({ key, what: 'events' });
  }
}
