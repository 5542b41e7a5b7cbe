/**
 * How the reconciler writes to a Canary: its status (with conflict handling), its events, the
 * `Reconciled` condition for problems a user must fix, and the removal of a consumed
 * `serin.dev/command`. One place, so every problem reaches the object's status and events alike.
 */
import { CANARY_KIND, COMMAND_ANNOTATION, FLAGGER_API_VERSION, type Canary, type CanaryStatus } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import { isKubeError } from '../kube/cluster.js';
import { jsonEqual } from '../kube/json-equal.js';
import type { Problem } from '../lib/result.js';
import type { Clock } from './clock.js';
import type { EventHooks } from '../hooks/event-hooks.js';
import type { EventRecorder } from './event-recorder.js';
import { withReconciledCondition, type ReconcileReason } from './reconciled-condition.js';

/** Every event Serin records on a Canary has this reason, as Flagger's do. */
const EVENT_REASON = 'Synced';

/** Ports of {@link StatusWriter}. */
export interface StatusWriterDeps {
  readonly cluster: Cluster;
  readonly events: EventRecorder;
  readonly clock: Clock;
  /** Also sends each event to the Canary's `event` webhooks. */
  readonly eventHooks?: EventHooks;
  /** Hears each status that landed, with the canary as this tick read it (the operator's metrics). */
  readonly onWritten?: (canary: Canary, status: CanaryStatus | undefined) => void;
}

/** Writes a Canary's status, events, problems and command consumption. */
export class StatusWriter {
  constructor(private readonly deps: StatusWriterDeps) {}

  /** Records an event (reason `Synced`) on the canary, and sends it to the canary's event webhooks. */
  event(canary: Canary, type: 'Normal' | 'Warning', message: string): Promise<void> {
    this.deps.eventHooks?.send(canary, type, message);
    return this.deps.events.record(canary, { type, reason: EVENT_REASON, message });
  }

  /** Reports an expected problem: a Warning event every time, the condition only when it changes. */
  async problem(canary: Canary, reason: ReconcileReason, problem: Problem): Promise<void> {
    const text = `${problem.message}; ${problem.fix}`;
    await this.event(canary, 'Warning', text);
    const status = withReconciledCondition(canary.status, { reason, message: text }, this.deps.clock.now());
    if (status !== canary.status) await this.write(canary, status);
  }

  /** Turns the `Reconciled` condition back to True once a problem is gone. */
  async clearProblem(canary: Canary): Promise<void> {
    const status = withReconciledCondition(canary.status, undefined, this.deps.clock.now());
    if (status !== canary.status) await this.write(canary, status);
  }

  /**
   * Writes the status through the status subresource. A Conflict means the Canary changed since our
   * read — usually someone else's edit of its metadata or spec (`serin pause`, kubectl annotate, a
   * GitOps apply) while this tick ran. The tick's actions have already happened (weights set, events
   * recorded), so the status that describes them must land: when the latest object still carries the
   * status this tick started from, ours is written onto it. Only a status someone else wrote meanwhile
   * sends the whole reconcile back to the queue.
   */
  async write(canary: Canary, status: CanaryStatus | undefined, signal?: AbortSignal): Promise<void> {
    const { cluster } = this.deps;
    let base: Canary = canary;
    for (let attempt = 0; ; attempt++) {
      try {
        // A Canary's status subresource takes the status and ignores the rest, so only the status and
        // what names the version are sent: the request stays small whatever the spec holds (a
        // megabyte of text; 6,000 levels of nesting, which managedFields mirror) and is never too
        // deep to serialize. (Core kinds such as Pods need their spec in a status update.)
        const { name, namespace, uid, resourceVersion } = base.metadata ?? {};
        const metadata = { name, namespace, uid, resourceVersion };
        await cluster.updateStatus(
          { apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, metadata, status } as never,
          signal ? { signal } : {},
        );
        this.deps.onWritten?.(canary, status);
        return;
      } catch (err) {
        if (!isKubeError(err, 'Conflict')) throw err;
        const latest =
          attempt < 3 ? await cluster.read<Canary>(canaryRef(canary), signal ? { signal } : {}) : undefined;
        if (!latest || latest.metadata?.deletionTimestamp || !jsonEqual(latest.status, canary.status))
          throw new StatusConflict(canary);
        base = latest;
      }
    }
  }

  /**
   * Removes the `serin.dev/command` annotation once its tick is done — only while it still asks for
   * what was done, so a different command written meanwhile waits for the next reconcile.
   */
  async consumeCommand(canary: Canary, value: string, signal?: AbortSignal): Promise<void> {
    const { cluster } = this.deps;
    const ref = canaryRef(canary);
    const options = signal ? { signal } : {};
    let latest = cluster.get<Canary>(ref);
    for (let attempt = 0; attempt < 3 && latest; attempt++) {
      if (latest.metadata?.annotations?.[COMMAND_ANNOTATION]?.trim() !== value) return;
      try {
        const metadata = {
          resourceVersion: latest.metadata.resourceVersion,
          annotations: { [COMMAND_ANNOTATION]: null },
        };
        await cluster.patch(ref, { metadata }, options);
        return;
      } catch (err) {
        if (isKubeError(err, 'NotFound')) return;
        if (!isKubeError(err, 'Conflict')) throw err;
        latest = await cluster.read<Canary>(ref, options);
      }
    }
  }
}

/** The Canary's object reference. */
export function canaryRef(canary: Canary) {
  const namespace = canary.metadata?.namespace ?? '';
  return { apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, namespace, name: canary.metadata?.name ?? '' };
}

/** The Canary changed between our read and our status write; retried by the queue. */
export class StatusConflict extends Error {
  constructor(canary: Canary) {
    super(`status of canary ${canary.metadata?.namespace}/${canary.metadata?.name} changed meanwhile; retrying`);
    this.name = 'StatusConflict';
  }
}
