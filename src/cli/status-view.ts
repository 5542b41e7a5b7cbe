import type { Canary } from '../api/index.js';
import { analysisThreshold, maxWeightOf } from '../engine/index.js';

/** The Event fields the status view shows. */
export interface EventView {
  readonly involvedObject: { readonly name?: string; readonly namespace?: string };
  readonly type?: string;
  readonly message?: string;
  readonly lastTimestamp?: string;
  readonly metadata: { readonly resourceVersion?: string };
}

export interface StatusRow {
  readonly namespace: string;
  readonly name: string;
  readonly phase: string;
  readonly weight: number;
  readonly maxWeight: number;
  readonly failedChecks: string;
  readonly progress: string;
  readonly lastEvent: string;
}

/** The newest event of each canary, by `namespace/name`. */
export function lastEvents(events: readonly EventView[]): Map<string, EventView> {
  const last = new Map<string, EventView>();
  for (const e of events) {
    const key = `${e.involvedObject.namespace ?? ''}/${e.involvedObject.name ?? ''}`;
    const seen = last.get(key);
    if (!seen || newer(e, seen)) last.set(key, e);
  }
  return last;
}

/** Timestamps have whole seconds; within one second the later write (higher resourceVersion) wins. */
function newer(a: EventView, b: EventView): boolean {
  const ta = a.lastTimestamp ?? '';
  const tb = b.lastTimestamp ?? '';
  if (ta !== tb) return ta > tb;
  return Number(a.metadata.resourceVersion ?? 0) > Number(b.metadata.resourceVersion ?? 0);
}

/** One row per canary: where its release stands. */
export function statusRows(canaries: readonly Canary[], events: readonly EventView[]): StatusRow[] {
  const last = lastEvents(events);
  return canaries.map((c) => {
    const ns = c.metadata?.namespace ?? '';
    const name = c.metadata?.name ?? '';
    const max = maxWeightOf(c.spec);
    const weight = c.status?.canaryWeight ?? 0;
    // The engine's reading: a threshold of 0 or less (or none) rolls back after 1 failed check.
    const threshold = analysisThreshold(c.spec);
    const filled = Math.round((Math.min(weight, max) / Math.max(max, 1)) * 10);
    const event = last.get(`${ns}/${name}`);
    const problem = c.status?.conditions?.find((x) => x.type === 'Reconciled' && x.status === 'False');
    return {
      namespace: ns,
      name,
      phase: c.spec.suspend ? `${c.status?.phase ?? ''} (suspended)` : (c.status?.phase ?? 'Pending'),
      weight,
      maxWeight: max,
      failedChecks: `${c.status?.failedChecks ?? 0}/${threshold}`,
      progress: `${'█'.repeat(filled)}${'░'.repeat(10 - filled)} ${weight}/${max}%`,
      lastEvent: problem?.message ?? (event ? `${event.type === 'Warning' ? '⚠ ' : ''}${event.message ?? ''}` : ''),
    };
  });
}

/** Renders rows as a table that fits `width` columns (the last event is cut to fit). */
export function renderStatus(rows: readonly StatusRow[], width = 160): string {
  if (rows.length === 0) return 'No canaries found.';
  const head = ['NAMESPACE', 'NAME', 'PHASE', 'WEIGHT', 'FAILED', 'PROGRESS', 'LAST EVENT'];
  const cells = rows.map((r) => [
    r.namespace,
    r.name,
    r.phase,
    `${r.weight}%`,
    r.failedChecks,
    r.progress,
    r.lastEvent,
  ]);
  const widths = head.slice(0, -1).map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => {
    const fixed = c
      .slice(0, -1)
      .map((x, i) => x.padEnd(widths[i] ?? 0))
      .join('  ');
    const room = Math.max(10, width - fixed.length - 2);
    const last = c.at(-1) ?? '';
    return `${fixed}  ${last.length > room ? `${last.slice(0, room - 1)}…` : last}`.trimEnd();
  };
  return [line(head), ...cells.map(line)].join('\n');
}
