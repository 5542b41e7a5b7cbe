/**
 * What bench/scale watches while an operator runs: its process (RSS, CPU), its API requests (the
 * kube-apiserver's audit log, which records the operator's ServiceAccount and nobody else), the
 * Prometheus queries it sends, and — from the bench's own watches — when each Canary noticed a new
 * revision ("New revision detected" events) and when its weight stepped (analysis ticks).
 */
import { open, readFile } from 'node:fs/promises';
import { ApiCluster } from '../../src/kube/api-cluster.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { WatchEvent } from '../../src/kube/cluster.js';

const CLOCK_TICKS_PER_SECOND = 100;

/** RSS and CPU of one process, sampled every few seconds from /proc. */
export class ProcessSampler {
  readonly rssMiB: { at: number; value: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {}

  start(everyMs = 5_000): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** CPU seconds (user + system) used so far. */
  async cpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  }

  /** Peak RSS so far (VmHWM), MiB. */
  async peakMiB(): Promise<number> {
    return (await statusField('VmHWM', this.pid)) / 1024;
  }

  /** Median of the RSS samples taken in [from, to]. */
  medianMiB(from: number, to: number): number {
    const values = this.rssMiB.filter((s) => s.at >= from && s.at <= to).map((s) => s.value);
    return percentile(values, 50);
  }

  private async sample(): Promise<void> {
    try {
      this.rssMiB.push({ at: Date.now(), value: (await statusField('VmRSS', this.pid)) / 1024 });
    } catch {
      // the process is gone
    }
  }
}

async function statusField(name: string, pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kb === undefined) throw new Error(`no ${name} in /proc/${pid}/status`);
  return Number(kb);
}

/**
 * Requests by `verb resource` (e.g. `get deployments`), read from the audit log since the last take,
 * and how long the API server took over each (its audit timestamps: received → response complete).
 */
export class AuditCounter {
  private offset = 0;
  private partial = '';
  /** `verb resource` → milliseconds each request took, since the last {@link takeLatencies}. */
  private latencies = new Map<string, number[]>();

  constructor(private readonly path: string) {}

  /** Skips everything logged so far. */
  async skip(): Promise<void> {
    await this.take();
    this.latencies.clear();
  }

  /** The API server's time per request by `verb resource` (ms) since the last take of them. */
  takeLatencies(): Map<string, number[]> {
    const taken = this.latencies;
    this.latencies = new Map();
    return taken;
  }

  async take(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const file = await open(this.path, 'r').catch(() => undefined);
    if (!file) return counts;
    try {
      const { size } = await file.stat();
      const length = size - this.offset;
      if (length <= 0) return counts;
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        const event = JSON.parse(line) as AuditEvent;
        const resource = [event.objectRef?.resource, event.objectRef?.subresource].filter(Boolean).join('/');
        const key = `${event.verb ?? '?'} ${resource || '(none)'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        const took = Date.parse(event.stageTimestamp ?? '') - Date.parse(event.requestReceivedTimestamp ?? '');
        if (event.verb !== 'watch' && Number.isFinite(took)) {
          let list = this.latencies.get(key);
          if (!list) this.latencies.set(key, (list = []));
          list.push(took);
        }
      }
    } finally {
      await file.close();
    }
    return counts;
  }
}

interface AuditEvent {
  verb?: string;
  objectRef?: { resource?: string; subresource?: string };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
}

/** A Prometheus histogram's cumulative bucket counts by upper bound (`le`), from the exposition format. */
export type Buckets = Map<number, number>;

/** The buckets of histogram `name` in `text`, summed over the series whose labels include `match`. */
export function histogramBuckets(text: string, name: string, match = ''): Buckets {
  const buckets: Buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(match)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/** What was observed between two scrapes: `later` minus `earlier`, bucket by bucket. */
export function bucketsSince(later: Buckets, earlier: Buckets): Buckets {
  return new Map([...later].map(([le, count]) => [le, count - (earlier.get(le) ?? 0)]));
}

/** The `q` quantile (0…1) of a histogram, interpolated within its bucket as `histogram_quantile` does. */
export function histogramQuantile(buckets: Buckets, q: number): number {
  const sorted = [...buckets].sort((x, y) => x[0] - y[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let [belowLe, belowCount] = [0, 0];
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return belowLe;
      const inside = count - belowCount;
      return belowLe + (le - belowLe) * (inside > 0 ? (rank - belowCount) / inside : 1);
    }
    [belowLe, belowCount] = [le, count];
  }
  return belowLe;
}

export const READ_VERBS = new Set(['get', 'list']);
export const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export function sumVerbs(counts: ReadonlyMap<string, number>, verbs: ReadonlySet<string>): number {
  let total = 0;
  for (const [key, n] of counts) if (verbs.has(key.split(' ')[0] ?? '')) total += n;
  return total;
}

export function addCounts(into: Map<string, number>, more: ReadonlyMap<string, number>): void {
  for (const [key, n] of more) into.set(key, (into.get(key) ?? 0) + n);
}

/** Prometheus queries answered so far (instant and range), from Prometheus' own /metrics. */
export async function prometheusQueries(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (/^prometheus_http_requests_total\{.*handler="\/api\/v1\/query(_range)?"/.test(line)) {
      total += Number(line.split(' ').pop());
    }
  }
  return total;
}

interface CanaryLike {
  metadata: { namespace?: string; name?: string };
  status?: { phase?: string; canaryWeight?: number };
}
interface EventLike {
  involvedObject?: { kind?: string; namespace?: string; name?: string };
  message?: string;
  count?: number;
}

/**
 * The bench's own watches of Canaries and Events (as cluster admin): phases, each weight step's
 * time, and when each Canary noticed a new revision: its "New revision detected" event or its
 * status turning Progressing, whichever the bench sees first. Both operators do both, but Flagger's
 * events are lost at this scale (client-go's event recorder drops them: at 1,000 canaries none of
 * its "New revision detected" events reached the API server, though its log has them).
 */
export class CanaryObserver {
  private readonly cache: ApiCluster;
  readonly phases = new Map<string, string>();
  /** Key → time a change was written and not yet detected. */
  private readonly pending = new Map<string, { sent: number; written?: number }>();
  /** From the API server's answer to the write (the change is in the cluster) to its detection. */
  readonly detectionMs: number[] = [];
  /** From before the write was sent: the API server's own time for the bench's write included. */
  readonly detectionFromSendMs: number[] = [];
  /** Step gaps minus the interval (how late each tick came), ms. */
  readonly driftMs: number[] = [];
  private readonly lastStep = new Map<string, { at: number; weight: number }>();
  /** Key → the last event message about that Canary (what a change not noticed says about itself). */
  private readonly lastEvent = new Map<string, string>();
  firstInitializedAt: number | undefined;
  /** When any Canary's phase last changed. */
  lastPhaseChangeAt = Date.now();

  constructor(
    kc: KubeConfig,
    private readonly intervalMs: number,
  ) {
    this.cache = new ApiCluster(kc, {
      kinds: [
        { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' },
        { apiVersion: 'v1', kind: 'Event' },
      ],
    });
  }

  async start(): Promise<void> {
    await this.cache.start();
    this.cache.subscribe({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary' }, (e) => this.onCanary(e));
    this.cache.subscribe({ apiVersion: 'v1', kind: 'Event' }, (e) => this.onEvent(e));
    for (const c of this.cache.list<CanaryLike>({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary' })) {
      this.phases.set(keyOf(c.metadata), c.status?.phase ?? '');
    }
  }

  stop(): void {
    this.cache.stop();
  }

  count(phase: string): number {
    let n = 0;
    for (const p of this.phases.values()) if (p === phase) n++;
    return n;
  }

  /** A new revision of `key` was written at `at`: the next "New revision detected" event times it. */
  expect(key: string, at: number): void {
    this.pending.set(key, { sent: at });
  }

  /** The API server answered the write of `key`'s change at `at`. */
  written(key: string, at: number): void {
    const pending = this.pending.get(key);
    if (pending) pending.written = at;
  }

  isPending(key: string): boolean {
    return this.pending.has(key);
  }

  /** The changes not noticed yet, each with its Canary's phase and last event. */
  unnoticed(): string[] {
    return [...this.pending.keys()].map(
      (key) => `${key} (${this.phases.get(key) || 'no phase'}; last event: ${this.lastEvent.get(key) ?? 'none'})`,
    );
  }

  private onCanary(e: WatchEvent): void {
    const canary = e.object as unknown as CanaryLike;
    const key = keyOf(canary.metadata);
    if (e.type === 'deleted') return;
    const phase = canary.status?.phase ?? '';
    if (this.phases.get(key) !== phase) this.lastPhaseChangeAt = Date.now();
    this.phases.set(key, phase);
    if (phase === 'Progressing') this.detected(key);
    if (phase === 'Initialized') this.firstInitializedAt ??= Date.now();
    const weight = canary.status?.canaryWeight ?? 0;
    const last = this.lastStep.get(key);
    if (phase !== 'Progressing' || weight === 0) {
      this.lastStep.delete(key);
      return;
    }
    if (last?.weight === weight) return;
    const now = Date.now();
    if (last && weight > last.weight) this.driftMs.push(now - last.at - this.intervalMs);
    this.lastStep.set(key, { at: now, weight });
  }

  private onEvent(e: WatchEvent): void {
    if (e.type === 'deleted') return;
    const event = e.object as unknown as EventLike;
    if (event.involvedObject?.kind !== 'Canary') return;
    const key = `${event.involvedObject.namespace ?? ''}/${event.involvedObject.name ?? ''}`;
    if (this.pending.has(key)) this.lastEvent.set(key, event.message ?? '');
    if (!/New revision detected/.test(event.message ?? '')) return;
    const old = e.old as unknown as EventLike | undefined;
    if (old && old.count === event.count) return;
    this.detected(key);
  }

  private detected(key: string): void {
    const since = this.pending.get(key);
    if (since === undefined) return;
    const now = Date.now();
    this.pending.delete(key);
    this.lastEvent.delete(key);
    this.detectionFromSendMs.push(now - since.sent);
    // Seen before the bench heard the API server's answer: the answer was on its way (0 ms after it).
    this.detectionMs.push(Math.max(0, now - (since.written ?? now)));
  }
}

function keyOf(metadata: { namespace?: string; name?: string }): string {
  return `${metadata.namespace ?? ''}/${metadata.name ?? ''}`;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
