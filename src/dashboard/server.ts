/**
 * The dashboard's HTTP server (node:http), built by a factory from its parts so tests run it
 * in-process. In front of every route: the local mode's checks (a loopback peer, a Host naming this
 * server — against DNS rebinding), then authentication; the shell and the bundle carry no data, the
 * API answers only what the viewer may see. Every answer has the security headers of http.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerApi, canaryRef, type ApiDeps } from './api-routes.js';
import type { Authenticator } from './auth.js';
import { asset, loginRoute, redeem, unauthenticated, type EntryContext } from './entry-routes.js';
import { send, sendError } from './http.js';
import type { Session } from './sessions.js';
import { DashboardMode } from './settings.js';
import type { Viewer } from './viewer.js';

/** The page bundle (src/dashboard/assets.ts). */
export interface PageAssets {
  readonly js: string;
  readonly css: string;
}

export interface DashboardServerDeps extends ApiDeps {
  readonly auth: Authenticator;
  readonly assets: () => Promise<PageAssets>;
  readonly shell: () => string;
  /** Stores the sessions `auth` makes; used for the cookie. */
  readonly sessionCookie: (session: Session, secure: boolean) => string;
}

export interface RunningDashboard {
  readonly server: Server;
  readonly port: number;
  /** `http://<address>:<port>`. */
  readonly url: string;
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Builds the request handler; `port` is read per request (it is known once listening). */
export function dashboardHandler(deps: DashboardServerDeps, port: () => number) {
  const local = deps.mode === DashboardMode.Local;
  const localHosts = () => [`127.0.0.1:${port()}`, `localhost:${port()}`];

  /** The hosts this server answers as: local, its own two; cluster, the Host (and proxy's) of the request. */
  function ownHosts(req: IncomingMessage): string[] {
    if (local) return localHosts();
    const forwarded = req.headers['x-forwarded-host'];
    return [req.headers.host ?? '', ...(typeof forwarded === 'string' ? [forwarded.split(',')[0]?.trim() ?? ''] : [])];
  }
  const ctx: EntryContext = { deps, local, ownHosts };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (local && !LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      return sendError(
        res,
        403,
        'the local dashboard answers this machine only (use --auth kubernetes to serve others)',
      );
    }
    if (local && !localHosts().includes(req.headers.host ?? '')) {
      // DNS rebinding: another site's name pointed at 127.0.0.1 must not reach the dashboard.
      return sendError(res, 403, `this dashboard answers only as ${localHosts().join(' or ')}`);
    }
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    if (path === '/assets/app.js' || path === '/assets/app.css') return asset(deps, req, res, path);
    if (path === '/healthz') return send(res, 200, 'text/plain; charset=utf-8', 'ok');
    if (path === '/login' || path === '/logout') return loginRoute(ctx, req, res, path);
    const token = url.searchParams.get('token');
    if (local && token !== null && !path.startsWith('/api/')) return redeem(deps, res, url, token);
    let viewer: Viewer | undefined;
    try {
      viewer = await deps.auth.authenticate(req);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return sendError(res, 503, `cannot check who you are with the API server now (${message}); try again`);
    }
    if (!viewer) return unauthenticated(ctx, req, res, path);
    if (path.startsWith('/api/')) return answerApi(deps, req, res, viewer, url, ownHosts(req));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'pages answer GET');
    const release = /^\/canaries\/([^/]+)\/([^/]+)$/.exec(path);
    if (path === '/' || (release && canaryRef(release[1] ?? '', release[2] ?? '')))
      return send(res, 200, 'text/html; charset=utf-8', deps.shell());
    sendError(res, 404, `no page ${path.slice(0, 200)}: the fleet is at /`);
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await handle(req, res);
    } catch (err) {
      deps.log.error({ err, path: req.url?.split('?')[0] }, 'dashboard request failed');
      if (!res.headersSent) sendError(res, 500, 'the dashboard failed to answer; see its log');
      else res.destroy();
    }
  };
}

/** Listens on `address:port` (0: any free port) and serves the dashboard. */
export async function listenDashboard(
  deps: DashboardServerDeps,
  options: { readonly address: string; readonly port: number },
): Promise<RunningDashboard> {
  let port = options.port;
  const handler = dashboardHandler(deps, () => port);
  const server = createServer((req, res) => void handler(req, res));
  // Slow-header and idle-connection limits; streams stay open (they carry pings).
  server.headersTimeout = 10_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        deps.hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
