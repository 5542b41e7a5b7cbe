/**
 * The routes in front of authentication: the bundle (public: it carries no data), the local
 * mode's one-time token, the cluster mode's login form and logout, and what an unauthenticated
 * request gets (401, or the way to sign in).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { originProblem } from './api-routes.js';
import { SECURITY_HEADERS, readBody, send, sendError, wantsHtml } from './http.js';
import { localUnauthorizedPage, loginPage, proxyUnauthorizedPage } from './pages.js';
import type { DashboardServerDeps } from './server.js';
import { SESSION_COOKIE, type Session } from './sessions.js';

/** What the routes need of the server. */
export interface EntryContext {
  readonly deps: DashboardServerDeps;
  readonly local: boolean;
  /** The hosts the server answers as, for Origin checks. */
  readonly ownHosts: (req: IncomingMessage) => string[];
}

export async function asset(
  deps: Pick<DashboardServerDeps, 'assets'>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const assets = await deps.assets();
  const js = path.endsWith('.js');
  const body = js ? assets.js : assets.css;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers = { 'cache-control': 'no-cache', etag };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ...SECURITY_HEADERS, ...headers });
    res.end();
    return;
  }
  send(res, 200, js ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8', body, headers);
}

/** Local mode: the one-time token becomes a session cookie, and the URL loses the token. */
export function redeem(
  deps: Pick<DashboardServerDeps, 'auth' | 'sessionCookie'>,
  res: ServerResponse,
  url: URL,
  token: string,
): void {
  const session = deps.auth.redeem(token);
  if (!session) return send(res, 401, 'text/html; charset=utf-8', localUnauthorizedPage());
  url.searchParams.delete('token');
  const location = `${url.pathname}${url.search}`;
  res.writeHead(303, { ...SECURITY_HEADERS, location, 'set-cookie': deps.sessionCookie(session, false) });
  res.end();
}

export async function loginRoute(
  ctx: EntryContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const { deps, local, ownHosts } = ctx;
  const secure = req.headers['x-forwarded-proto'] === 'https';
  if (path === '/logout') {
    if (req.method !== 'POST') return sendError(res, 405, 'log out with POST /logout', { allow: 'POST' });
    const forged = originProblem(req, ownHosts(req));
    if (forged) return sendError(res, 403, forged);
    deps.auth.logout(req);
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      location: local ? '/' : '/login',
      'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`,
    });
    res.end();
    return;
  }
  if (local || deps.auth.viaProxy) return sendError(res, 404, 'this dashboard has no login page');
  if (req.method === 'GET' || req.method === 'HEAD') return send(res, 200, 'text/html; charset=utf-8', loginPage());
  if (req.method !== 'POST') return sendError(res, 405, 'sign in with POST /login', { allow: 'GET, POST' });
  const forged = originProblem(req, ownHosts(req));
  if (forged) return sendError(res, 403, forged);
  const wait = deps.auth.signInWait(req);
  if (wait > 0) {
    const page = loginPage(`too many refused tokens from your address: try again in ${wait} s`);
    return send(res, 429, 'text/html; charset=utf-8', page, { 'retry-after': String(wait) });
  }
  const body = await readBody(req, 16 * 1024);
  const token = new URLSearchParams(body ?? '').get('token')?.trim() ?? '';
  let outcome: Session | string;
  try {
    outcome = await deps.auth.login(token, req);
  } catch (err) {
    outcome = `the API server cannot check tokens now (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof outcome === 'string') return send(res, 401, 'text/html; charset=utf-8', loginPage(outcome));
  res.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': deps.sessionCookie(outcome, secure) });
  res.end();
}

export function unauthenticated(ctx: EntryContext, req: IncomingMessage, res: ServerResponse, path: string): void {
  const { deps, local } = ctx;
  if (path.startsWith('/api/') || !wantsHtml(req)) {
    const how = local
      ? 'open the URL `serin dashboard` printed'
      : deps.auth.viaProxy
        ? 'come through the authenticating proxy'
        : 'send "Authorization: Bearer <token>" or sign in at /login';
    return sendError(res, 401, `not signed in: ${how}`, local ? {} : { 'www-authenticate': 'Bearer' });
  }
  if (local) return send(res, 401, 'text/html; charset=utf-8', localUnauthorizedPage());
  if (deps.auth.viaProxy) return send(res, 401, 'text/html; charset=utf-8', proxyUnauthorizedPage());
  res.writeHead(302, { ...SECURITY_HEADERS, location: '/login' });
  res.end();
}
