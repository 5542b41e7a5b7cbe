/**
 * The fleet page: every canary the viewer may list, kept current by the stream. Deltas are queued and
 * applied once per animation frame, and rows are keyed and skip rendering when unchanged, so a
 * thousand canaries changing every second cost one small render per frame. The table is laid out as
 * a grid of contained rows (app.css), so the browser lays out and paints only the rows that changed
 * and are on screen; every row stays in the DOM (find in page, the tests' `tr[data-canary]`).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { canaryKey, type CanaryRow, type FleetDelta, type FleetSnapshot } from '../model.js';
import { getJson } from './api.js';
import { applyDeltas, namespacesOf, rowsByKey, visibleRows, type FleetFilter, type FleetSort } from './fleet-state.js';
import { FleetFilters, SortHeader } from './fleet-controls.js';
import { FleetRow } from './fleet-row.js';
import { count } from './format.js';
import { useStream } from './live.js';
import { Layout, useNow } from './parts.js';

/** Ages are shown in minutes and more, so a refresh every 15 s keeps them true. */
const AGE_REFRESH_MS = 15_000;

/** The rows, the snapshot load and the stream, batched per animation frame. */
function useFleet() {
  const rows = useRef<Map<string, CanaryRow>>(new Map());
  const pending = useRef<FleetDelta[]>([]);
  const frame = useRef<number | undefined>(undefined);
  const opened = useRef(false);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);

  const load = useCallback(async () => {
    const res = await getJson<FleetSnapshot>('/api/fleet');
    if (!res.ok) return setError(res.error);
    rows.current = rowsByKey(res.data.rows);
    setError(undefined);
    setLoaded(true);
    setVersion((v) => v + 1);
  }, []);
  useEffect(() => {
    void load();
    return () => {
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    };
  }, [load]);

  const flush = useCallback(() => {
    frame.current = undefined;
    if (applyDeltas(rows.current, pending.current.splice(0))) setVersion((v) => v + 1);
  }, []);
  const live = useStream('/api/stream', {
    // The first open follows the mount's load; a reopen may have missed deltas, so load again.
    onOpen: () => {
      if (opened.current) void load();
      opened.current = true;
    },
    events: {
      fleet: (data) => {
        pending.current.push(data as FleetDelta);
        frame.current ??= requestAnimationFrame(flush);
      },
    },
  });
  return { rows: rows.current, version, error, loaded, live };
}

export function FleetPage(props: { readonly user?: string }) {
  const { rows, version, error, loaded, live } = useFleet();
  const [filter, setFilter] = useState<FleetFilter>({ namespace: '', phase: '', search: '' });
  const [sort, setSort] = useState<FleetSort>({ key: 'name', descending: false });
  const now = useNow(AGE_REFRESH_MS);
  // `version` stands for the rows' content: the map is edited in place.
  const shown = useMemo(() => visibleRows(rows, filter, sort), [rows, version, filter, sort]);
  const namespaces = useMemo(() => namespacesOf(rows), [rows, version]);
  useEffect(() => {
    document.title = 'Fleet · Serin';
  }, []);

  return (
    <Layout live={live} {...(props.user !== undefined ? { user: props.user } : {})}>
      <div class="page-head">
        <h1>Fleet</h1>
        <p data-testid="fleet-count" class="muted" aria-live="polite">
          {loaded ? `Showing ${count(shown.length)} of ${count(rows.size)} canaries` : 'Loading canaries…'}
        </p>
      </div>
      {error !== undefined && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <FleetFilters filter={filter} namespaces={namespaces} onChange={setFilter} />
      <div class="table-wrap">
        <table data-testid="fleet-table" class="fleet" role="table">
          <caption class="visually-hidden">Canaries, sorted by {sort.key}</caption>
          <thead role="rowgroup">
            <tr role="row">
              <SortHeader label="Name" sortKey="name" sort={sort} onSort={setSort} />
              <SortHeader label="Phase" sortKey="phase" sort={sort} onSort={setSort} />
              <th scope="col" role="columnheader">
                Weight
              </th>
              <th scope="col" role="columnheader">
                Failed checks
              </th>
              <th scope="col" role="columnheader">
                Last event
              </th>
              <SortHeader label="Age" sortKey="age" sort={sort} onSort={setSort} />
            </tr>
          </thead>
          <tbody role="rowgroup">
            {shown.map((row) => (
              <FleetRow key={canaryKey(row)} row={row} now={now} />
            ))}
          </tbody>
        </table>
      </div>
      {loaded && shown.length === 0 && <p class="empty">No canary matches these filters.</p>}
    </Layout>
  );
}
