/**
 * The fleet page's data: the rows by key, deltas applied to them, and the filtered, sorted view.
 * No DOM: the page keeps one of these in a ref and renders what `visibleRows` returns.
 */
import { canaryKey, type CanaryRow, type FleetDelta } from '../model.js';

/** What the fleet table is narrowed to. Empty strings mean "any". */
export interface FleetFilter {
  readonly namespace: string;
  /** A phase, `Pending` for '' (not yet initialized), or '' for any. */
  readonly phase: string;
  /** Matched, case-insensitively, against namespace/name and the target. */
  readonly search: string;
}

export const SORT_KEYS = ['name', 'phase', 'age'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface FleetSort {
  readonly key: SortKey;
  readonly descending: boolean;
}

/**
 * Applies deltas to the rows in place. Rows are replaced, never edited, so a memoized row component
 * re-renders exactly when its row changed. Returns whether anything changed.
 */
export function applyDeltas(rows: Map<string, CanaryRow>, deltas: readonly FleetDelta[]): boolean {
  let changed = false;
  for (const delta of deltas) {
    for (const key of delta.deletes) changed = rows.delete(key) || changed;
    for (const row of delta.upserts) {
      rows.set(canaryKey(row), row);
      changed = true;
    }
  }
  return changed;
}

/** The rows of a snapshot, by key. */
export function rowsByKey(rows: readonly CanaryRow[]): Map<string, CanaryRow> {
  return new Map(rows.map((r) => [canaryKey(r), r]));
}

function matches(row: CanaryRow, filter: FleetFilter, needle: string): boolean {
  if (filter.namespace !== '' && row.namespace !== filter.namespace) return false;
  if (filter.phase !== '' && (row.phase === '' ? 'Pending' : row.phase) !== filter.phase) return false;
  if (needle === '') return true;
  return `${row.namespace}/${row.name} ${row.target}`.toLowerCase().includes(needle);
}

const byName = (a: CanaryRow, b: CanaryRow): number =>
  a.namespace === b.namespace ? compareText(a.name, b.name) : compareText(a.namespace, b.namespace);

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const COMPARE: Readonly<Record<SortKey, (a: CanaryRow, b: CanaryRow) => number>> = {
  name: byName,
  phase: (a, b) => compareText(a.phase, b.phase) || byName(a, b),
  // Youngest first reads as "newest" ascending; the oldest canary has the largest age.
  age: (a, b) => b.createdAt - a.createdAt || byName(a, b),
};

/** The rows the table shows, in order. */
export function visibleRows(rows: ReadonlyMap<string, CanaryRow>, filter: FleetFilter, sort: FleetSort): CanaryRow[] {
  const needle = filter.search.trim().toLowerCase();
  const shown: CanaryRow[] = [];
  for (const row of rows.values()) if (matches(row, filter, needle)) shown.push(row);
  const compare = COMPARE[sort.key];
  shown.sort(sort.descending ? (a, b) => compare(b, a) : compare);
  return shown;
}

/** The namespaces present, sorted: the options of the namespace filter. */
export function namespacesOf(rows: ReadonlyMap<string, CanaryRow>): string[] {
  return [...new Set([...rows.values()].map((r) => r.namespace))].sort(compareText);
}
