/**
 * The dashboard's JSON API for an authenticated viewer: session, fleet, one release, the live
 * stream and the actions. Nothing here trusts the request beyond the viewer's identity: visibility
 * and rights are asked of the API server's authorizer for that viewer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { KubeRest } from '../kube/rest.js';
import type { AccessCache } from './access.js';
import { actionStates, carryOut, isAction } from './actions.js';
import { readBody, sendError, sendJson } from './http.js';
import type { FleetSnapshot, ReleaseView, SessionInfo } from './model.js';
import type { ReleaseViews } from './release-view.js';
import type { DashboardMode } from './settings.js';
import type { StreamHub } from './stream.js';
import { sameSecret, type Viewer } from './viewer.js';
import type { DashboardCache } from './watch-cache.js';

export interface ApiDeps {
  readonly log: Logger;
  readonly mode: DashboardMode;
  readonly cache: DashboardCache;
  readonly access: AccessCache;
  readonly views: ReleaseViews;
  readonly hub: StreamHub;
  /** A REST client with the viewer's own credentials, for their actions. */
  readonly restFor: (viewer: Viewer) => KubeRest;
}

/** A Kubernetes object name (DNS subdomain), as namespaces and canaries are named. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** `namespace/name` from (encoded) path parts, or undefined when either is not a Kubernetes name. */
export function canaryRef(namespace: string, name: string): { namespace: string; name: string } | undefined {
  const ns = decoded(namespace);
  const n = decoded(name);
  return NAME.test(ns) && NAME.test(n) ? { namespace: ns, name: n } : undefined;
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}

/** Whether a state-changing request comes from the dashboard's own page; else why not. */
export function forgeryProblem(req: IncomingMessage, viewer: Viewer, ownHosts: readonly string[]): string | undefined {
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json'))
    return 'actions take content-type: application/json';
  const token = req.headers['x-csrf-token'];
  if (typeof token !== 'string' || !sameSecret(token, viewer.csrfToken))
    return 'the x-csrf-token header is missing or wrong: send the csrfToken of GET /api/session (reload the page)';
  return originProblem(req, ownHosts);
}

/** An Origin (when sent) must be the dashboard's own; a browser's cross-site request is refused. */
export function originProblem(req: IncomingMessage, ownHosts: readonly string[]): string | undefined {
  if (req.headers['sec-fetch-site'] === 'cross-site') return 'cross-site requests are refused';
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  // Under `Referrer-Policy: no-referrer` a browser's same-origin form POST (the /login page) carries
  // `Origin: null`; its Sec-Fetch-Site, which a page cannot set, says where it really came from.
  if (origin === 'null' && req.headers['sec-fetch-site'] === 'same-origin') return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `the Origin ${origin.slice(0, 100)} is not this dashboard`;
  }
  return ownHosts.includes(host) ? undefined : `the Origin ${origin.slice(0, 100)} is not this dashboard`;
}

/** Answers `/api/...`; the caller has authenticated the viewer. */
export async function answerApi(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  viewer: Viewer,
  url: URL,
  ownHosts: readonly string[],
): Promise<void> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const release = /^\/api\/canaries\/([^/]+)\/([^/]+)$/.exec(path);
  const action = /^\/api\/canaries\/([^/]+)\/([^/]+)\/actions\/([^/]+)$/.exec(path);
  if (action) {
    if (method !== 'POST') return sendError(res, 405, 'actions are POST requests', { allow: 'POST' });
    return act(deps, req, res, viewer, [action[1] ?? '', action[2] ?? '', action[3] ?? ''], ownHosts);
  }
  if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, `${path} answers GET`, { allow: 'GET' });
  if (path === '/api/session') {
    const session: SessionInfo = { user: viewer.user, mode: deps.mode, csrfToken: viewer.csrfToken };
    return sendJson(res, 200, session);
  }
  if (path === '/api/fleet') {
    const health = deps.cache.health();
    const snapshot: FleetSnapshot = {
      rows: await deps.hub.visibleRows(viewer),
      at: Date.now(),
      ...(health.problem ? { problem: health.problem } : {}),
    };
    return sendJson(res, 200, snapshot);
  }
  if (release) return releaseView(deps, res, viewer, canaryRef(release[1] ?? '', release[2] ?? ''));
  if (path === '/api/stream') return stream(deps, res, viewer, url.searchParams.get('canary'));
  sendError(res, 404, `no such API route: ${path.slice(0, 200)}`);
}

/** Whether the viewer may see `namespace/name` and it exists. */
async function visibleCanary(deps: ApiDeps, viewer: Viewer, namespace: string, name: string): Promise<boolean> {
  if (!deps.cache.canary(`${namespace}/${name}`)) return false;
  return (await deps.access.can(viewer, { verb: 'list', namespace })).allowed;
}

async function releaseView(
  deps: ApiDeps,
  res: ServerResponse,
  viewer: Viewer,
  ref: { namespace: string; name: string } | undefined,
) {
  // Absent and not visible look the same: a viewer learns nothing about namespaces they cannot list.
  const notFound = () =>
    sendError(
      res,
      404,
      `canary ${ref ? `${ref.namespace}/${ref.name} ` : ''}not found (or not in a namespace you may list canaries in)`,
    );
  if (!ref || !(await visibleCanary(deps, viewer, ref.namespace, ref.name))) return notFound();
  const key = `${ref.namespace}/${ref.name}`;
  const view = await deps.views.view(key);
  const canary = deps.cache.canary(key);
  if (!view || !canary) return notFound();
  const full: ReleaseView = { ...view, actions: await actionStates(deps.access, viewer, canary) };
  sendJson(res, 200, full);
}

async function stream(deps: ApiDeps, res: ServerResponse, viewer: Viewer, canary: string | null): Promise<void> {
  if (canary !== null) {
    const [namespace = '', name = ''] = canary.split('/');
    if (!canaryRef(namespace, name) || !(await visibleCanary(deps, viewer, namespace, name)))
      return sendError(
        res,
        404,
        `canary ${canary.slice(0, 300)} not found (or not in a namespace you may list canaries in)`,
      );
  }
  deps.hub.open(res, viewer, canary ?? undefined);
}

async function act(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  viewer: Viewer,
  [namespace, name, action]: [string, string, string],
  ownHosts: readonly string[],
): Promise<void> {
  const forged = forgeryProblem(req, viewer, ownHosts);
  if (forged) return sendError(res, 403, forged);
  if (!isAction(action))
    return sendError(res, 404, `no action ${action.slice(0, 50)}: promote, abort, retry, pause or resume`);
  const ref = canaryRef(namespace, name);
  if (!ref) return sendError(res, 404, 'not a canary name');
  if ((await readBody(req, 4096)) === undefined) return sendError(res, 413, 'actions take no body');
  const outcome = await carryOut({ access: deps.access, rest: deps.restFor(viewer) }, viewer, ref, action);
  deps.log.info(
    { user: viewer.user, canary: `${ref.namespace}/${ref.name}`, action, status: outcome.status },
    'dashboard action',
  );
  if (outcome.error !== undefined) return sendError(res, outcome.status, outcome.error);
  sendJson(res, outcome.status, { message: outcome.message });
}
