import { bounded } from '../lib/bounded.js';
import type { Canary } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../kube/objects.js';
import type { Clock } from './clock.js';

/** A Kubernetes Event about a Canary, as `kubectl describe canary` shows it. */
export interface CanaryEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

interface Recorded {
  name: string;
  count: number;
  /** When it was remembered: the slot of the ring of remembered keys that names it. */
  readonly seq: number;
}

/** Component name on every Event Serin records (`source.component`, `reportingComponent`). */
export const EVENT_SOURCE = 'serin';

/**
 * Records Events on Canaries. A repeat of the same (canary, type, reason, message) bumps the count
 * of the existing Event instead of creating a new one, as kubectl's "(x3 over 2m)" expects.
 * Recording is best effort: a failure is reported to `onError` and never fails a reconcile.
 */
export class EventRecorder {
  private readonly recent = new Map<string, Recorded>();
  /**
   * What `recent` remembered, in order (entries of keys forgotten or remembered again since are
   * stale), from `head` on: the oldest is forgotten in constant time. Deleting a Map's first key
   * over and over made each later lookup of the first key walk past the deleted ones (4% of a
   * 1,000-canary simulation).
   */
  private order: { readonly key: string; readonly seq: number }[] = [];
  private head = 0;
  private remembered = 0;
  /** The last timestamp written, for the clock reading it was written at (many events share one). */
  private stamp = { at: Number.NaN, iso: '' };

  constructor(
    private readonly deps: { readonly cluster: Cluster; readonly clock: Clock },
    private readonly onError: (err: unknown) => void,
    private readonly maxRemembered = 10_000,
  ) {}

  async record(canary: Canary, raw: CanaryEvent): Promise<void> {
    const event = { ...raw, message: bounded(raw.message) };
    const ns = canary.metadata?.namespace ?? 'default';
    const name = canary.metadata?.name ?? '';
    const key = `${ns}/${name}/${canary.metadata?.uid ?? ''}/${event.type}/${event.reason}/${event.message}`;
    const now = this.timestamp();
    try {
      const seen = this.recent.get(key);
      if (seen) {
        seen.count += 1;
        await this.deps.cluster.patch(
          { apiVersion: 'v1', kind: 'Event', namespace: ns, name: seen.name },
          { count: seen.count, lastTimestamp: now },
        );
        return;
      }
      const created = await this.deps.cluster.create<KubeObject>({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${name}.`, namespace: ns },
        involvedObject: {
          apiVersion: canary.apiVersion ?? 'flagger.app/v1beta1',
          kind: 'Canary',
          name,
          namespace: ns,
          uid: canary.metadata?.uid,
          resourceVersion: canary.metadata?.resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: EVENT_SOURCE },
        reportingComponent: EVENT_SOURCE,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
      this.remember(key, created.metadata.name ?? '');
    } catch (err) {
      // An Event that expired (TTL) or a transient failure: forget it so the next one is created anew.
      this.recent.delete(key);
      this.onError(err);
    }
  }

  /** Remembers `key`, forgetting the oldest remembered key when `maxRemembered` are. */
  private remember(key: string, name: string): void {
    if (this.recent.size >= this.maxRemembered) {
      while (this.head < this.order.length) {
        const oldest = this.order[this.head++]!;
        if (this.recent.get(oldest.key)?.seq === oldest.seq) {
          this.recent.delete(oldest.key);
          break;
        }
      }
      if (this.head > 1024 && this.head * 2 > this.order.length) {
        this.order = this.order.slice(this.head);
        this.head = 0;
      }
    }
    // A key remembered already (two records of one event at once) keeps its place, as in a Map.
    const kept = this.recent.get(key)?.seq;
    const seq = kept ?? this.remembered++;
    if (kept === undefined) this.order.push({ key, seq });
    this.recent.set(key, { name, count: 1, seq });
  }

  private timestamp(): string {
    const at = this.deps.clock.now();
    if (at !== this.stamp.at) this.stamp = { at, iso: new Date(at).toISOString() };
    return this.stamp.iso;
  }
}
