/** The page's calls to its own server (same origin; the session cookie goes along by itself). */
import type { DashboardAction, SessionInfo } from '../model.js';

/** A call's outcome: the data, or the server's `{ error }` text (or why the call failed) to show. */
export type Fetched<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: string };

async function errorOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON: the status line says enough.
  }
  return `${res.status} ${res.statusText}`.trim();
}

/** GET a JSON document of the API. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<Fetched<T>> {
  try {
    const res = await fetch(path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
    if (!res.ok) return { ok: false, error: await errorOf(res) };
    return { ok: true, data: (await res.json()) as T };
  } catch (err) {
    return { ok: false, error: `cannot reach the dashboard server: ${String(err)}` };
  }
}

export function getSession(signal?: AbortSignal): Promise<Fetched<SessionInfo>> {
  return getJson<SessionInfo>('/api/session', signal);
}

/** The path of a canary's page and of its API document. */
export function canaryPath(namespace: string, name: string): string {
  return `/canaries/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/**
 * Asks the server to take an action. The CSRF token proves the request comes from this page; the
 * server checks the viewer's rights and the canary's phase again, whatever the page showed.
 */
export async function postAction(
  namespace: string,
  name: string,
  action: DashboardAction,
  csrfToken: string,
): Promise<Fetched<string>> {
  try {
    const res = await fetch(`/api${canaryPath(namespace, name)}/actions/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: '{}',
    });
    if (!res.ok) return { ok: false, error: await errorOf(res) };
    const body = (await res.json()) as { message?: unknown };
    return { ok: true, data: typeof body.message === 'string' ? body.message : `${action} requested` };
  } catch (err) {
    return { ok: false, error: `cannot reach the dashboard server: ${String(err)}` };
  }
}
