/**
 * The live dashboard: routes on the path (`/` the fleet, `/canaries/<ns>/<name>` a release) with
 * history.pushState, so following a link keeps the page (and its bundle) loaded.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from '../model.js';
import { getSession } from './api.js';
import { FleetPage } from './fleet-page.js';
import { ReleasePage } from './release-page.js';

type Route =
  { readonly page: 'fleet' } | { readonly page: 'release'; readonly namespace: string; readonly name: string };

/** The route of a path; anything unknown is the fleet. */
export function routeOf(path: string): Route {
  const match = /^\/canaries\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (!match?.[1] || !match[2]) return { page: 'fleet' };
  try {
    return { page: 'release', namespace: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) };
  } catch {
    return { page: 'fleet' };
  }
}

/** A plain left click on a link to this site: handled by the page instead of a full load. */
function internalHref(e: MouseEvent): string | undefined {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return undefined;
  const link = (e.target as Element | null)?.closest?.('a[href]');
  if (!(link instanceof HTMLAnchorElement) || link.target !== '' || link.origin !== location.origin) return undefined;
  return link.pathname.startsWith('/api/') || link.pathname.startsWith('/assets/') ? undefined : link.pathname;
}

export function App() {
  const [path, setPath] = useState(location.pathname);
  const [session, setSession] = useState<SessionInfo | undefined>(undefined);
  useEffect(() => {
    void getSession().then((res) => res.ok && setSession(res.data));
    const onPop = () => setPath(location.pathname);
    const onClick = (e: MouseEvent) => {
      const href = internalHref(e);
      if (href === undefined) return;
      e.preventDefault();
      if (href !== location.pathname) history.pushState(null, '', href);
      setPath(href);
      window.scrollTo(0, 0);
      document.getElementById('main')?.focus();
    };
    window.addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }, []);
  const route = routeOf(path);
  return route.page === 'release' ? (
    <ReleasePage
      key={`${route.namespace}/${route.name}`}
      namespace={route.namespace}
      name={route.name}
      {...(session ? { session } : {})}
    />
  ) : (
    <FleetPage {...(session ? { user: session.user } : {})} />
  );
}
