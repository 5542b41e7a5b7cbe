/**
 * Event webhooks (`type: event`, Flagger §8.3): every event Serin records on a Canary is also
 * POSTed to the Canary's `event` hooks, with the event in the payload's metadata
 * (`eventMessage`, `eventType`, `timestamp` in unix ms; the hook's own metadata cannot override
 * them). Unlike Flagger, which calls them inside the tick, they are sent in the background in the
 * order recorded, so a slow receiver never delays a release; a failure is logged, as in Flagger.
 */
import type { Logger } from 'pino';
import type { Canary } from '../api/index.js';
import { callWebhook, hooksOfType, payloadFor } from './webhook.js';

/** Sends each recorded event to the Canary's event hooks, one at a time per Canary. */
export class EventHooks {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Queues the event for the Canary's `event` hooks (none: nothing happens). */
  send(canary: Canary, type: 'Normal' | 'Warning', message: string): void {
    const hooks = hooksOfType(canary, 'event');
    if (hooks.length === 0) return;
    const key = `${canary.metadata?.namespace ?? ''}/${canary.metadata?.name ?? ''}`;
    const timestamp = String(this.now());
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const hook of hooks) {
        const base = payloadFor(canary, hook, canary.status?.phase ?? '');
        const metadata = { ...hook.metadata, eventMessage: message, eventType: type, timestamp };
        const outcome = await callWebhook(hook, { ...base, metadata });
        if (!outcome.ok)
          this.log.warn({ canary: key, hook: hook.name, error: outcome.reason }, 'error sending event to webhook');
      }
    });
    this.queues.set(key, next);
    void next.finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  /** Resolves once every queued event has been sent (for shutdown and tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }
}
