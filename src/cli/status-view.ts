import type { Canary, CanaryJudgeStatus, SignalEvidence, SplitEvidence } from '../api/index.js';
import { analysisThreshold, maxWeightOf } from '../engine/index.js';
import { formatCount, formatSeconds } from '../judge/planner.js';
import { percentText, ratioText } from '../judge/report.js';

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
  /** `status.judge`, when the canary is judged by the statistical judge. */
  readonly judge?: CanaryJudgeStatus;
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
      ...(c.status?.judge ? { judge: c.status.judge } : {}),
    };
  });
}

/**
 * Renders rows as a table that fits `width` columns (the last event is cut to fit), then the judge's
 * block of each judged canary.
 */
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
  const judged = rows.flatMap((r) => (r.judge ? ['', ...judgeLines(r, width)] : []));
  return [line(head), ...cells.map(line), ...judged].join('\n');
}

/** `status.judge` as the view reads it: the operator may add when the release and the step began. */
type JudgeView = CanaryJudgeStatus & {
  readonly startedAt?: string;
  readonly stepStartedAt?: string;
  readonly stepWeight?: number;
};

/** Verdicts the user must act on: their reason is wrapped rather than cut. */
const ACTIONABLE = new Set(['FAIL', 'ERROR', 'HOLD']);
/** Longest a wrapped combined reason runs, in lines. */
const REASON_LINES = 3;

/**
 * The statistical judge's block under the table for one canary: the combined verdict and when,
 * its reason, one line per signal (counts, ratio and bounds, what is still needed) and the split.
 */
export function judgeLines(row: StatusRow, width = 160): string[] {
  const judge = row.judge as JudgeView | undefined;
  if (!judge) return [];
  const head = `${row.namespace}/${row.name} · judge ${judge.verdict} at ${judge.time}${timing(judge)}`;
  const reason = ACTIONABLE.has(judge.verdict)
    ? wrap(judge.reason, width - 2, REASON_LINES)
    : [cut(judge.reason, width - 2)];
  const cells: [string, string, string[]][] = [
    ...judge.signals.map((s): [string, string, string[]] => [signalName(s), signalVerdict(s), signalDetail(s)]),
    ...(judge.split
      ? [['traffic-split', judge.split.verdict, splitDetail(judge.split)] as [string, string, string[]]]
      : []),
  ];
  const nameWidth = Math.max(...cells.map(([name]) => name.length));
  const verdictWidth = Math.max(...cells.map(([, verdict]) => verdict.length));
  const rows = cells.flatMap(([name, verdict, parts]) =>
    flow(`  ${name.padEnd(nameWidth)}  ${verdict.padEnd(verdictWidth)}  `, parts, width),
  );
  return [cut(head, width), ...reason.map((l) => `  ${l}`), ...rows];
}

/**
 * `parts` after `prefix`, joined by " · " while they fit in `width`; the rest on lines indented under
 * the first part. A part too long for a line of its own is cut.
 */
function flow(prefix: string, parts: readonly string[], width: number): string[] {
  const indent = ' '.repeat(prefix.length);
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const joined = line === '' ? part : `${line} · ${part}`;
    if (line !== '' && (lines.length === 0 ? prefix : indent).length + joined.length > width) {
      lines.push(line);
      line = part;
    } else {
      line = joined;
    }
  }
  lines.push(line);
  return lines.map((l, i) => cut(`${i === 0 ? prefix : indent}${l}`.trimEnd(), width));
}

/** "· judging for 21 min · step 10% for 6 min", durations up to the last judged window. */
function timing(judge: JudgeView): string {
  const at = Date.parse(judge.time);
  const since = (start: string | undefined): string | undefined => {
    const t = start === undefined ? NaN : Date.parse(start);
    return Number.isFinite(t) && Number.isFinite(at) && at >= t ? formatSeconds((at - t) / 1000) : undefined;
  };
  const release = since(judge.startedAt);
  const step = since(judge.stepStartedAt);
  const weight = judge.stepWeight !== undefined ? ` ${judge.stepWeight}%` : '';
  return [
    ...(release !== undefined ? [` · judging for ${release}`] : []),
    ...(step !== undefined ? [` · step${weight} for ${step}`] : []),
  ].join('');
}

function signalName(s: SignalEvidence): string {
  return s.boundary !== undefined ? `${s.name} (le ${s.boundary})` : s.name;
}

function signalVerdict(s: SignalEvidence): string {
  if (s.verdict !== 'PASS' || s.passedBy === undefined) return s.verdict;
  return `PASS by ${s.passedBy === 'zero-events' ? 'zero events' : s.passedBy}`;
}

/** Counts, the ratio with its bounds, and what is still needed; an ERROR shows its cause instead. */
function signalDetail(s: SignalEvidence): string[] {
  if (s.verdict === 'ERROR') return [s.reason];
  const counts =
    `canary ${formatCount(s.canary.events)}/${formatCount(s.canary.requests)} vs ` +
    `primary ${formatCount(s.primary.events)}/${formatCount(s.primary.requests)}`;
  const bounds = [
    ...(s.lower > 0 ? [`> ${ratioText(s.lower)} at ${percentText(s.lowerConfidence)}`] : []),
    ...(s.upper !== undefined ? [`< ${ratioText(s.upper)} at ${percentText(s.upperConfidence)}`] : []),
  ];
  const ratio = `ratio ${s.ratio !== undefined ? ratioText(s.ratio) : '–'} (${bounds.length > 0 ? bounds.join(', ') : 'no bound yet'})`;
  return [counts, ratio, ...(s.needed ? [neededText(s.needed)] : [])];
}

/** "needs ≈ 49,000 more canary requests (≈ 41 min)", the time at the last window's canary rate. */
function neededText(need: NonNullable<SignalEvidence['needed']>): string {
  const time =
    need.seconds !== undefined && need.seconds > 0
      ? `≈ ${formatSeconds(need.seconds)}`
      : 'the canary receives no traffic now';
  return `needs ≈ ${formatCount(need.canaryRequests)} more canary requests (${time})`;
}

function splitDetail(split: SplitEvidence): string[] {
  // A HOLD's sentence is the combined reason above: the line keeps to the numbers.
  const share = split.observedShare !== undefined ? percentText(split.observedShare) : '–';
  return [
    `share ${share} at weight ${split.weight}% (band ${percentText(split.band.low)}–${percentText(split.band.high)})`,
    `canary ${formatCount(split.canaryRequests)} vs primary ${formatCount(split.primaryRequests)} requests`,
  ];
}

/** `text` cut to `width` columns, "…" marking the cut. */
function cut(text: string, width: number): string {
  const room = Math.max(10, width);
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}

/** `text` wrapped at spaces to `width` columns, at most `lines` lines (the last cut with "…"). */
function wrap(text: string, width: number, lines: number): string[] {
  const room = Math.max(20, width);
  const out: string[] = [];
  let rest = text;
  while (rest.length > room && out.length < lines - 1) {
    const at = rest.lastIndexOf(' ', room);
    const end = at > room / 2 ? at : room;
    out.push(rest.slice(0, end));
    rest = rest.slice(end).trimStart();
  }
  return [...out, cut(rest, room)];
}
