/**
 * The HTTP plumbing every dashboard answer goes through: the security headers (a strict CSP, no
 * sniffing, no referrer, no caching), JSON that cannot be read as markup, cookies and small bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
export { readBody } from '../lib/read-body.js';

/** Scripts, styles and connections from the dashboard itself only; no inline code anywhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Headers of every answer; `Cache-Control` is replaced for the bundle. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
});

/** Sets the security headers (and `extra`) and sends `body` with `status`. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  extra: Readonly<Record<string, string | string[]>> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, ...extra });
  res.end(body);
}

/**
 * JSON whose `<`, `>` and `&` are escaped (`\u003c`…): still the same JSON to a parser, but no
 * browser that ignores the content type can find markup in it.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', safeJson(value));
}

/** The contract's error shape: `{ "error": "<what is wrong and what to do>" }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...extra });
  res.end(safeJson({ error }));
}

/** Cookies of a request, by name (the first of each name wins). */
export function cookies(req: IncomingMessage): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!found.has(name)) found.set(name, part.slice(eq + 1).trim());
  }
  return found;
}

/** Whether the client asked for a page (a browser navigating) rather than data. */
export function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
