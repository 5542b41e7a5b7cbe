/**
 * The composition of `serin dashboard`: the dashboard's own API access, the shared watch cache,
 * access reviews, sessions and authentication for the mode, the live stream, and the HTTP server.
 * Tests call it in-process with a page stand-in; the CLI with the real bundle.
 */
import type { Logger } from 'pino';
import { loadKubeAccess, type KubeAccess } from '../kube/kube-access.js';
import { KubeRest } from '../kube/rest.js';
import { AccessCache, selfSubjectAccessReview, subjectAccessReview } from './access.js';
import { Authenticator, cachedTokenReviewer, kubeTokenReviewer } from './auth.js';
import { ReleaseViews, restWorkloadReader } from './release-view.js';
import { listenDashboard, type PageAssets, type RunningDashboard } from './server.js';
import { OneTimeToken, SessionStore } from './sessions.js';
import { DashboardMode, type DashboardSettings } from './settings.js';
import { StreamHub, type StreamOptions } from './stream.js';
import { randomHex, type Viewer } from './viewer.js';
import { viewerAccess } from './viewer-access.js';
import { DashboardCache } from './watch-cache.js';

/** The page the server hands out: the bundle and the HTML shell (src/dashboard/assets.ts). */
export interface DashboardPage {
  readonly assets: () => Promise<PageAssets>;
  readonly shell: () => string;
}

export interface StartedDashboard {
  readonly running: RunningDashboard;
  /** What to open: local mode, with the one-time token; cluster mode, the server's address. */
  readonly url: string;
  readonly cache: DashboardCache;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The dashboard's own access (default: from `settings.kubeconfig`, as kubectl finds it). */
  readonly access?: KubeAccess;
  readonly stream?: StreamOptions;
  /** How long to wait for the first lists before serving anyway (they keep retrying). Default 10 s. */
  readonly firstListWaitMs?: number;
}

/** Local mode: the kubeconfig's user name as the API server knows it (SelfSubjectReview), else 'you'. */
async function localUserName(rest: KubeRest): Promise<string> {
  try {
    const review = await rest.json<{ status?: { userInfo?: { username?: string } } }>(
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { method: 'POST', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    return review.status?.userInfo?.username || 'you';
  } catch {
    return 'you';
  }
}

export async function startDashboard(
  settings: DashboardSettings,
  log: Logger,
  page: DashboardPage,
  options: StartOptions = {},
): Promise<StartedDashboard> {
  const local = settings.mode === DashboardMode.Local;
  const own = options.access ?? (await loadKubeAccess(settings.kubeconfig));
  const rest = new KubeRest(own);
  const cache = new DashboardCache(rest, {
    namespace: settings.namespace,
    // The hub is made below; no change arrives before start().
    onChange: (change) => hub.changed(change),
    onRestart: (what, error, attempt) => log.warn({ what, error, attempt }, 'watch restarted'),
    onError: (err) => log.error({ err }, 'skipped an object the dashboard cannot read'),
  });
  const access = new AccessCache(local ? selfSubjectAccessReview(rest) : subjectAccessReview(rest));
  const views = new ReleaseViews(cache, restWorkloadReader(rest));
  const tokens = !local && !settings.proxyUserHeader ? cachedTokenReviewer(kubeTokenReviewer(rest)) : undefined;
  const stillValid = async (viewer: Viewer) =>
    viewer.credential.kind !== 'bearer' || (await tokens?.(viewer.credential.token)) !== undefined;
  const hub = new StreamHub({ cache, access, views, log, stillValid }, options.stream);
  const sessions = new SessionStore({ lifetimeMs: (local ? 24 : 8) * 3600_000 });
  const oneTimeToken = local ? new OneTimeToken() : undefined;
  const userName = local ? await localUserName(rest) : '';
  const auth = new Authenticator(
    { sessions, reviewToken: tokens, localUser: () => userName, oneTimeToken, secret: randomHex() },
    { mode: settings.mode, proxyUserHeader: settings.proxyUserHeader, proxyGroupsHeader: settings.proxyGroupsHeader },
  );
  const first = cache.start();
  const waited = await Promise.race([
    first.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), options.firstListWaitMs ?? 10_000).unref()),
  ]);
  if (!waited) log.warn({ problem: cache.health().problem }, 'serving before the first list of canaries is in');
  const running = await listenDashboard(
    {
      log,
      mode: settings.mode,
      cache,
      access,
      views,
      hub,
      auth,
      restFor: (viewer) => (viewer.credential.kind === 'kubeconfig' ? rest : new KubeRest(viewerAccess(own, viewer))),
      assets: page.assets,
      shell: page.shell,
      sessionCookie: (session, secure) => sessions.cookie(session, secure),
    },
    { address: settings.address, port: settings.port },
  );
  return {
    running,
    url: oneTimeToken ? `${running.url}/?token=${oneTimeToken.value}` : running.url,
    cache,
    stop: async () => {
      cache.stop();
      await running.stop();
    },
  };
}
