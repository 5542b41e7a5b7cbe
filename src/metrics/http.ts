/**
 * The one HTTP path every HTTP metrics provider shares: a per-request timeout joined with the
 * caller's signal, credentials taken out of URLs, and every failure turned into a sentence that names
 * the backend and what went wrong — never the full URL (it can carry tokens) and never a header.
 */
import { STATUS_CODES } from 'node:http';
import type { HttpClient } from '../lib/http-client.js';

/** How HTTP providers reach the network; built once by the analyzer. */
export interface HttpContext {
  /** {@link httpRequest} in the operator; tests of the callers may pass their own. */
  readonly request: HttpClient;
  /** Per-request timeout in milliseconds (Flagger: 5000). */
  readonly timeoutMs: number;
}

/** One request to a metrics backend. */
export interface HttpCall {
  /** Backend name for messages, e.g. `Prometheus`. */
  readonly service: string;
  readonly url: URL;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly insecureSkipVerify?: boolean;
}

/** A response (any status), or why there was none. */
export type HttpOutcome =
  | { readonly ok: true; readonly status: number; readonly statusText: string; readonly body: string }
  | { readonly ok: false; readonly message: string };

/** `scheme://host:port` of a URL: what messages may say about where a backend is. */
export function originOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** Parses a provider address, or says why it is not one (`{type} address {addr} is not a valid URL`, as Flagger). */
export function parseAddress(type: string, address: string | undefined): URL | string {
  if (address === undefined || address.trim() === '') return `${type} address is not set (spec.provider.address)`;
  try {
    const url = new URL(address);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // fall through to the message below
  }
  return `${type} address ${JSON.stringify(redact(address))} is not a valid URL (expected http(s)://host:port)`;
}

/** `base` with `path` appended to its path (Go's path.Join semantics for the joint), query dropped. */
export function joinPath(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  url.search = '';
  url.hash = '';
  return url;
}

/** A body for a message: one line, at most 300 characters. */
export function snippet(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  if (line === '') return '(empty body)';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** `400 Bad Request`. */
export function statusLine(status: number, statusText: string): string {
  return `${status} ${statusText || STATUS_CODES[status] || ''}`.trim();
}

/** Runs one request; never throws. */
export async function send(context: HttpContext, call: HttpCall, signal?: AbortSignal): Promise<HttpOutcome> {
  const where = `${call.service} at ${originOf(call.url)}`;
  const { url, headers } = withoutUserInfo(call.url, call.headers ?? {});
  const timeout = AbortSignal.timeout(context.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await context.request(url, {
      method: call.method ?? 'GET',
      headers,
      body: call.body,
      signal: combined,
      insecureSkipVerify: call.insecureSkipVerify ?? false,
    });
    return { ok: true, status: res.status, statusText: res.statusText, body: res.body };
  } catch (err) {
    if (signal?.aborted) return { ok: false, message: `${call.service} query cancelled` };
    if (timeout.aborted) return { ok: false, message: `${where} did not answer within ${context.timeoutMs / 1000}s` };
    return { ok: false, message: `${where} ${describeNetworkError(err, url)}` };
  }
}

/** Basic auth header value. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

// Go's client sends a URL's user:password as basic auth, so Serin does too (and never sends the URL's).
function withoutUserInfo(url: URL, headers: Record<string, string>): { url: URL; headers: Record<string, string> } {
  if (url.username === '' && url.password === '') return { url, headers };
  const clean = new URL(url.href);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  clean.username = '';
  clean.password = '';
  const hasAuth = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  return { url: clean, headers: hasAuth ? headers : { ...headers, authorization: basicAuth(user, password) } };
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/;

/** Why a connection failed, in words (`is unreachable: connection refused`), from Node's error. */
export function describeNetworkError(err: unknown, url: URL): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const code = (cause as { code?: unknown }).code;
  const text = typeof code === 'string' ? code : '';
  if (text === 'ECONNREFUSED') return 'is unreachable: connection refused';
  if (text === 'ENOTFOUND') return `is unreachable: host ${url.hostname} not found (DNS)`;
  if (text === 'EAI_AGAIN') return `is unreachable: DNS lookup of ${url.hostname} failed, try again later`;
  if (text === 'UND_ERR_CONNECT_TIMEOUT' || text === 'ETIMEDOUT') return 'is unreachable: connection timed out';
  if (text === 'EHOSTUNREACH' || text === 'ENETUNREACH') return 'is unreachable: no route to host';
  if (text === 'ECONNRESET' || text === 'UND_ERR_SOCKET' || text === 'EPIPE') {
    return 'closed the connection before answering';
  }
  if (TLS_CODES.test(text)) {
    return `presented a TLS certificate that was rejected (${text}); set insecureSkipVerify: true only if you trust it`;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return `request failed: ${text || redact(message)}`;
}

// Error texts of URL parsers quote the input, which may carry user:password@.
function redact(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, '//***@');
}
