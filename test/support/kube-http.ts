import type { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../src/kube/rest.js';

/** A list as `kubectl get` shows it: the server-side Table with the CRD's printer columns. */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** GETs `path` as a meta.k8s.io Table; `wide` includes priority-1 columns the way `-o wide` does. */
export async function getTable(kc: KubeConfig, path: string, wide = false): Promise<Table> {
  const table = await new KubeRest(kc).json<{
    columnDefinitions: { name: string; priority: number }[];
    rows: { cells: unknown[] }[];
  }>(path, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const keep = table.columnDefinitions.map((c) => wide || c.priority === 0);
  return {
    columns: table.columnDefinitions.filter((_, i) => keep[i]).map((c) => c.name),
    rows: table.rows.map((r) => r.cells.filter((_, i) => keep[i])),
  };
}

function cellText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (typeof c === 'number' || typeof c === 'boolean') return `${c}`;
  return c === null || c === undefined ? '' : JSON.stringify(c);
}

/** Renders a table the way kubectl prints it, for test output a person can read. */
export function formatTable(table: Table): string {
  const cells = [table.columns.map((c) => c.toUpperCase()), ...table.rows.map((r) => r.map(cellText))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}
