import type { Canary, CanaryWebhook, WebhookPayload } from '../api/index.js';
import type { CheckOutcome } from '../engine/model.js';
import { parseGoDuration, positiveDurationMs } from '../lib/duration.js';
import { httpRequest } from '../lib/http-client.js';

/** A hook's timeout when its `timeout` is empty or shorter than two characters, as in Flagger: 10 s. */
export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;

/** Node's longest timer (2³¹−1 ms, about 24.8 days); a longer one would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A hook's `timeout` in whole ms, read as Flagger reads it: empty or shorter than two characters →
 * 10 s, else Go's `time.ParseDuration` (`500ms`, `30s`, `1m30s`). Sub-millisecond parts round up,
 * and beyond Node's timer limit it is capped there. Undefined when it is not a positive duration:
 * a call of that hook then fails with {@link badHookTimeout}, as Flagger's does.
 */
export function hookTimeoutMs(timeout: string | undefined): number | undefined {
  const text = timeout ?? '';
  if (text.length < 2) return DEFAULT_HOOK_TIMEOUT_MS;
  const ms = positiveDurationMs(text);
  return ms === undefined ? undefined : Math.min(MAX_TIMER_MS, Math.ceil(ms));
}

/** Why a hook whose {@link hookTimeoutMs} is undefined cannot be called: the field, its value and the fix. */
export function badHookTimeout(hook: Pick<CanaryWebhook, 'name' | 'timeout'>): string {
  const text = hook.timeout ?? '';
  const quoted = JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
  const problem = parseGoDuration(text) === undefined ? 'is not a duration' : 'must be longer than 0,';
  return `webhook ${JSON.stringify(hook.name)}: timeout ${quoted} ${problem} like 500ms, 30s or 1m30s`;
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
 * failure reason is the response body, the connection error, `no answer within 0.5s`, or a
 * `timeout` that is not a positive duration (then nothing is sent). The URL never appears in a reason:
 * reasons go to Events, and URLs can carry tokens.
 */
export async function callWebhook(
  hook: CanaryWebhook,
  payload: WebhookPayload,
  options: { readonly signal?: AbortSignal; readonly backoffMs?: number } = {},
): Promise<CheckOutcome> {
  const timeoutMs = hookTimeoutMs(hook.timeout);
  if (timeoutMs === undefined) return { ok: false, name: hook.name, reason: badHookTimeout(hook) };
  const attempts = 1 + Math.max(0, hook.retries ?? 0);
  let reason = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const { status, body } = await httpRequest(new URL(hook.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal,
      });
      if (status <= 202) return { ok: true, name: hook.name };
      reason = body.trim() || `HTTP ${status}`;
      const retriable = status === 429 || (status >= 500 && status !== 501);
      if (!retriable) return { ok: false, name: hook.name, reason };
      if (attempt === attempts && attempts > 1) reason = `${reason} (giving up after ${attempts} attempts)`;
    } catch (err) {
      if (options.signal?.aborted) return { ok: false, name: hook.name, reason: 'cancelled' };
      const code = (err as { code?: unknown }).code;
      reason = timeout.aborted
        ? `no answer within ${timeoutMs / 1000}s`
        : `request failed: ${typeof code === 'string' ? code : err instanceof Error ? err.message : String(err)}`;
    }
    if (attempt < attempts) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, (options.backoffMs ?? 1000) * 2 ** (attempt - 1))));
    }
  }
  return { ok: false, name: hook.name, reason };
}
