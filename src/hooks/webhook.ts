import type { Canary, CanaryWebhook } from '../api/index.js';
import type { CheckOutcome } from '../engine/model.js';

/** The JSON body Flagger posts to every webhook (field order kept for byte-for-byte compatibility). */
export interface WebhookPayload {
  readonly name: string;
  readonly namespace: string;
  readonly phase: string;
  readonly checksum: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Parses a hook `timeout` (`30s`, `1m`); empty or shorter than two characters → 10 s, like Flagger. */
export function hookTimeoutMs(timeout: string | undefined): number {
  const m = /^(\d+)(m|s)$/.exec(timeout ?? '');
  if (!m || (timeout ?? '').length < 2) return 10_000;
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
}

/** Webhooks of one type in spec order; an empty type means `rollout`. */
export function hooksOfType(canary: Canary, type: string): CanaryWebhook[] {
  return (canary.spec.analysis?.webhooks ?? []).filter((h) => (h.type || 'rollout') === type);
}

export function payloadFor(canary: Canary, hook: CanaryWebhook, phase: string): WebhookPayload {
  const status = canary.status;
  return {
    name: canary.metadata?.name ?? '',
    namespace: canary.metadata?.namespace ?? '',
    phase,
    checksum: `${status?.lastAppliedSpec ?? ''}${JSON.stringify(status?.trackedConfigs ?? {})}`,
    ...(hook.metadata && Object.keys(hook.metadata).length > 0 ? { metadata: hook.metadata } : {}),
  };
}

/**
 * POSTs the payload with the hook's timeout and retries (connection errors, 429 and 5xx except 501
 * are retried with exponential backoff). Success iff the final status is ≤ 202, as in Flagger; the
 * failure reason is the response body, or the connection error. The URL never appears in a reason:
 * reasons go to Events, and URLs can carry tokens.
 */
export async function callWebhook(
  hook: CanaryWebhook,
  payload: WebhookPayload,
  options: { readonly signal?: AbortSignal; readonly backoffMs?: number } = {},
): Promise<CheckOutcome> {
  const attempts = 1 + Math.max(0, hook.retries ?? 0);
  let reason = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const timeout = AbortSignal.timeout(hookTimeoutMs(hook.timeout));
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal,
      });
      const body = await res.text();
      if (res.status <= 202) return { ok: true, name: hook.name };
      reason = body.trim() || `HTTP ${res.status}`;
      const retriable = res.status === 429 || (res.status >= 500 && res.status !== 501);
      if (!retriable) return { ok: false, name: hook.name, reason };
      if (attempt === attempts && attempts > 1) reason = `${reason} (giving up after ${attempts} attempts)`;
    } catch (err) {
      if (options.signal?.aborted) return { ok: false, name: hook.name, reason: 'cancelled' };
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      reason = timeout.aborted
        ? `no answer within ${hookTimeoutMs(hook.timeout) / 1000}s`
        : `request failed: ${cause ?? (err instanceof Error ? err.message : String(err))}`;
    }
    if (attempt < attempts) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, (options.backoffMs ?? 1000) * 2 ** (attempt - 1))));
    }
  }
  return { ok: false, name: hook.name, reason };
}
