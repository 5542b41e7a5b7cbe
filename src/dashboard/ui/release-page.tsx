/** The live release page: the ReleaseView from the API, replaced by each `release` event of the stream. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ReleaseView, SessionInfo } from '../model.js';
import { canaryPath, getJson } from './api.js';
import { useStream } from './live.js';
import { Layout, useNow } from './parts.js';
import { ReleaseBody } from './release-view.js';

/** The weight line runs up to now; redrawn this often. */
const NOW_REFRESH_MS = 5000;

export function ReleasePage(props: {
  readonly namespace: string;
  readonly name: string;
  readonly session?: SessionInfo;
}) {
  const { namespace, name, session } = props;
  const key = `${namespace}/${name}`;
  const [view, setView] = useState<ReleaseView | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = useCallback(async () => {
    const res = await getJson<ReleaseView>(`/api${canaryPath(namespace, name)}`);
    if (res.ok) {
      setView(res.data);
      setError(undefined);
    } else {
      setError(res.error);
    }
  }, [namespace, name]);
  useEffect(() => {
    setView(undefined);
    void load();
    document.title = `${key} · Serin`;
  }, [load, key]);
  const live = useStream(`/api/stream?canary=${encodeURIComponent(key)}`, {
    onOpen: () => void load(),
    events: { release: (data) => setView(data as ReleaseView) },
  });
  const now = useNow(NOW_REFRESH_MS);
  return (
    <Layout live={live} {...(session ? { user: session.user } : {})}>
      {error !== undefined && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {view === undefined ? (
        error === undefined && <p class="muted">Loading {key}…</p>
      ) : (
        <ReleaseBody view={view} end={now} axis={{}} {...(session ? { csrfToken: session.csrfToken } : {})} />
      )}
    </Layout>
  );
}
