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
    const now = new Date(this.deps.clock.now()).toISOString();
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
      if (this.recent.size >= this.maxRemembered) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(key, { name: created.metadata.name ?? '', count: 1 });
    } catch (err) {
      // An Event that expired (TTL) or a transient failure: forget it so the next one is created anew.
      this.recent.delete(key);
      this.onError(err);
    }
  }
}
