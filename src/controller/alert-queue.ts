/**
 * Alerts go out in the background, per canary in order (ADR 0005): a slow or down chat service never
 * holds up a tick — a rollback moves traffic at once. A failed send is a Warning event on the Canary
 * (and a log line), never an error of the tick.
 */
import type { Logger } from 'pino';
import type { Canary } from '../api/index.js';
import type { AlertDispatcher } from '../alerts/dispatcher.js';
import type { Action } from '../engine/model.js';

/** An alert action of the engine. */
export type AlertAction = Extract<Action, { kind: 'alert' }>;

/** Ports of {@link AlertQueue}. */
export interface AlertQueueDeps {
  /** Sends to chat; without it alerts only go to the log (as in `serin simulate`). */
  readonly alerts?: AlertDispatcher | undefined;
  readonly log: Logger;
  /** Records a Warning event on the canary (a failed delivery). */
  readonly warn: (canary: Canary, message: string) => Promise<void>;
}

/** Per canary, the tail of its alerts still being sent. */
export class AlertQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deps: AlertQueueDeps) {}

  /** Logs the alert and sends it after the canary's earlier alerts. */
  send(canary: Canary, alert: AlertAction): void {
    const key = `${canary.metadata?.namespace ?? ''}/${canary.metadata?.name ?? ''}`;
    this.deps.log.info(
      {
        canary: canary.metadata?.name,
        namespace: canary.metadata?.namespace,
        severity: alert.severity,
        alert: alert.message,
      },
      'alert',
    );
    const alerts = this.deps.alerts;
    if (!alerts) return;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const d of await alerts.dispatch(canary, alert)) {
        if (d.ok) continue;
        this.deps.log.warn(
          { canary: key, provider: d.provider, error: d.error, alert: alert.message },
          'alert not sent',
        );
        await this.deps.warn(canary, `Alert "${alert.message}" not sent to ${d.provider}: ${d.error}`);
      }
    });
    const settled = next.catch((err: unknown) => this.deps.log.error({ canary: key, err }, 'alert failed'));
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
  }

  /** Resolves when every alert sent so far has been delivered or given up (for tests and shutdown). */
  async drained(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
