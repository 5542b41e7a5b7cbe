/**
 * `make bench-scale`: Serin and Go Flagger side by side at N canaries (issue #14), one operator at a
 * time, each on a fresh local control plane with the same workload (bench/scale/world.ts):
 *
 * 1. start-up: the operator starts with N Canaries already there; time to the first and to the last
 *    Canary `Initialized`;
 * 2. releases: for SCALE_MINUTES minutes, every minute 2% of the settled canaries get a new revision
 *    (one in ten of them failing: its pods answer 30% errors); measured meanwhile: detection latency
 *    (the API server's answer to the write → "New revision detected" event), tick drift (gap between weight steps − interval), RSS,
 *    CPU, API requests by verb and resource, Prometheus queries;
 * 3. quiet: releases stop; once none is in progress, three minutes of steady ticks: every read and
 *    every write the operator sends then is one a settled canary did not need.
 *
 * Prints `BENCH scale<N>_<operator>_<figure> <value> <unit>` lines, the ratios Flagger / Serin, and
 * a table on stderr. Environment: SCALE_SIZES (default 1000,5000), SCALE_OPERATORS (serin,flagger),
 * SCALE_MINUTES (10), SCALE_INIT_TIMEOUT_MIN (30), SCALE_SERIN_FLAGS / SCALE_FLAGGER_FLAGS (extra flags),
 * SCALE_SERIN_NODE_FLAGS (flags for node itself, before Serin's script), SCALE_HEAP_SNAPSHOT=1.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addCounts,
  AuditCounter,
  CanaryObserver,
  bucketsSince,
  histogramBuckets,
  histogramQuantile,
  percentile,
  ProcessSampler,
  prometheusQueries,
  READ_VERBS,
  sumVerbs,
  WRITE_VERBS,
} from './observe.js';
import { buildSerin, startOperator, type OperatorName } from './operators.js';
import { releaseBatch, SETTLED, startScaleWorld } from './world.js';

const INTERVAL_MS = 60_000;
const say = (line: string): void => console.error(line);
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;

interface Figures {
  readonly operator: OperatorName;
  readonly size: number;
  readonly values: Map<string, { value: number; unit: string }>;
  /** What did not finish, said plainly. */
  readonly notes: string[];
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until(probe: () => boolean, timeoutMs: number, everyMs = 1_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

async function measure(operator: OperatorName, size: number): Promise<Figures> {
  const figures: Figures = { operator, size, values: new Map(), notes: [] };
  const put = (name: string, value: number, unit: string) => figures.values.set(name, { value, unit });
  const root = join(tmpdir(), `serin-bench-scale-${process.pid}`);
  await mkdir(root, { recursive: true });
  say(`[scale] ${operator} at ${size} canaries: starting a fresh cluster`);
  const world = await startScaleWorld(size, [operator], join(root, `${operator}-${size}`), say);
  cleanup = () => world.stop();
  const observer = new CanaryObserver(world.kc, INTERVAL_MS);
  try {
    await observer.start();
    const audit = new AuditCounter(world.auditLog);
    const extra = env(operator === 'serin' ? 'SCALE_SERIN_FLAGS' : 'SCALE_FLAGGER_FLAGS', '')
      .split(' ')
      .filter(Boolean);
    const kubeconfig = await world.kubeconfigFor(operator);
    const started = Date.now();
    const running = await startOperator(
      operator,
      { kubeconfig, metricsServer: world.prometheus.url, logDir: root, extra },
      say,
    );
    cleanup = async () => {
      await running.stop();
      await world.stop();
    };
    const sampler = new ProcessSampler(running.pid);
    sampler.start();
    try {
      // 1. start-up
      const initTimeout = Number(env('SCALE_INIT_TIMEOUT_MIN', '30')) * 60_000;
      const ready = await until(() => observer.count('Initialized') === size, initTimeout, 2_000);
      if (observer.firstInitializedAt)
        put('first_initialized_s', round((observer.firstInitializedAt - started) / 1000, 1), 's');
      if (!ready) {
        figures.notes.push(
          `${observer.count('Initialized')} of ${size} canaries Initialized after ${initTimeout / 60_000} min`,
        );
        return figures;
      }
      put('all_initialized_s', round((Date.now() - started) / 1000, 1), 's');
      say(`[scale] ${operator}: all ${size} Initialized after ${((Date.now() - started) / 1000).toFixed(0)} s`);

      // 2. releases
      const minutes = Number(env('SCALE_MINUTES', '10'));
      await audit.skip();
      const requests = new Map<string, number>();
      const serinBefore = operator === 'serin' ? await scrapeSerin(running.port) : undefined;
      const [cpu0, q0, t0] = [await sampler.cpuSeconds(), await prometheusQueries(world.prometheus.url), Date.now()];
      let n = 0;
      for (let minute = 0; minute < minutes; minute++) {
        const released = await releaseBatch(world, observer, n);
        n += released;
        say(
          `[scale] ${operator} minute ${minute + 1}/${minutes}: ${released} releases; detected ${observer.detectionMs.length}, RSS ${sampler.rssMiB.at(-1)?.value.toFixed(0) ?? '?'} MiB`,
        );
        addCounts(requests, await audit.take());
        await sleep(Math.max(0, t0 + (minute + 1) * 60_000 - Date.now()));
      }
      addCounts(requests, await audit.take());
      const elapsedMin = (Date.now() - t0) / 60_000;
      put('rss_steady_mib', round(sampler.medianMiB(t0, Date.now())), 'MiB');
      put('cpu_s_per_min', round(((await sampler.cpuSeconds()) - cpu0) / elapsedMin, 2), 's/min');
      put('api_reads_per_min', round(sumVerbs(requests, READ_VERBS) / elapsedMin), 'requests/min');
      put('api_writes_per_min', round(sumVerbs(requests, WRITE_VERBS) / elapsedMin), 'requests/min');
      put(
        'prometheus_queries_per_min',
        round(((await prometheusQueries(world.prometheus.url)) - q0) / elapsedMin),
        'queries/min',
      );
      const latencies = audit.takeLatencies();
      const writeMs = [...latencies].filter(([k]) => WRITE_VERBS.has(k.split(' ')[0] ?? '')).flatMap(([, v]) => v);
      put('api_write_p50_s', round(percentile(writeMs, 50) / 1000, 3), 's');
      put('api_write_p99_s', round(percentile(writeMs, 99) / 1000, 3), 's');
      say(
        `[scale] ${operator}: the API server's time per request (p50/p99/max ms): ${[...latencies]
          .sort((a, b) => b[1].length - a[1].length)
          .map(([k, v]) => `${k} ${percentile(v, 50)}/${percentile(v, 99)}/${v.reduce((a, b) => Math.max(a, b), 0)}`)
          .join(', ')}`,
      );
      if (serinBefore !== undefined) {
        const scrapeStart = performance.now();
        const after = await scrapeSerin(running.port);
        put('metrics_scrape_ms', round(performance.now() - scrapeStart), 'ms');
        tickBreakdown(serinBefore, after, put);
      }
      say(
        `[scale] ${operator}: requests by verb and resource over ${elapsedMin.toFixed(1)} min: ${[...requests]
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
      );

      // 3. quiet
      // Drained: every change noticed (an operator that notices late has not started some yet) and
      // none in progress.
      // Every Canary settled and no phase changed for six minutes (Flagger, at 5,000, notices a change
      // up to five minutes late) is drained too: a change the bench did not see noticed (it lists
      // them) must not hold the run for a quarter of an hour.
      const settledAll = () => world.apps.every((k) => SETTLED.has(observer.phases.get(k) ?? ''));
      const drained = await until(
        () =>
          settledAll() &&
          (world.apps.every((k) => !observer.isPending(k)) || Date.now() - observer.lastPhaseChangeAt > 6 * 60_000),
        15 * 60_000,
        2_000,
      );
      const unnoticed = observer.unnoticed();
      if (!drained)
        figures.notes.push(
          `releases still in progress 15 min after the last one (${unnoticed.length} of ${n} changes not noticed yet); quiet phase measured anyway`,
        );
      else if (unnoticed.length > 0)
        figures.notes.push(`the bench saw ${unnoticed.length} of ${n} changes not noticed, though all settled`);
      if (unnoticed.length > 0)
        say(`[scale] ${operator}: changes not seen noticed: ${unnoticed.slice(0, 20).join(', ')}`);
      // After the drain: a change noticed late (Flagger notices at the next tick) still counts.
      put('detection_p50_s', round(percentile(observer.detectionMs, 50) / 1000, 3), 's');
      put('detection_p99_s', round(percentile(observer.detectionMs, 99) / 1000, 3), 's');
      put('detection_samples', observer.detectionMs.length, 'changes');
      put('detection_from_send_p99_s', round(percentile(observer.detectionFromSendMs, 99) / 1000, 3), 's');
      put('tick_drift_p50_s', round(percentile(observer.driftMs, 50) / 1000, 3), 's');
      put('tick_drift_p99_s', round(percentile(observer.driftMs, 99) / 1000, 3), 's');
      await audit.skip();
      const quietMin = 3;
      await sleep(quietMin * 60_000);
      const quiet = await audit.take();
      const ticks = size * quietMin;
      put('reads_per_quiet_tick', round(sumVerbs(quiet, READ_VERBS) / ticks, 3), 'requests');
      put('writes_in_quiet', sumVerbs(quiet, WRITE_VERBS), 'requests');
      put('rss_peak_mib', round(await sampler.peakMiB()), 'MiB');
      if (operator === 'serin' && process.env.SCALE_HEAP_SNAPSHOT) await heapSnapshot(running.pid, root);
      if (sumVerbs(quiet, WRITE_VERBS) > 0)
        say(`[scale] ${operator}: writes while quiet: ${[...quiet].map(([k, v]) => `${k}=${v}`).join(', ')}`);
    } finally {
      sampler.stop();
      await running.stop();
    }
  } finally {
    observer.stop();
    await world.stop();
  }
  return figures;
}

/** The histograms that say where Serin's ticks spend their time, by figure name. */
const TICK_SERIES: readonly [figure: string, series: string, match: string][] = [
  ['tick_lateness', 'serin_tick_lateness_seconds', ''],
  ['analysis', 'serin_analysis_duration_seconds', ''],
  ['tick_reconcile', 'serin_reconcile_duration_seconds', 'trigger="tick"'],
  ['change_reconcile', 'serin_reconcile_duration_seconds', 'trigger="change"'],
];

/** Serin's /metrics (a scrape also starts the event-loop delay histogram afresh). */
async function scrapeSerin(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/**
 * Where Serin's ticks spent their time since the scrape `before`, from its own /metrics: how late they
 * started (waiting for a worker), the analysis (metric queries), the whole tick (with its writes), and
 * what the event loop and the heap looked like.
 */
function tickBreakdown(before: string, after: string, put: (name: string, value: number, unit: string) => void): void {
  for (const [figure, series, match] of TICK_SERIES) {
    const since = bucketsSince(histogramBuckets(after, series, match), histogramBuckets(before, series, match));
    put(`${figure}_p50_s`, round(histogramQuantile(since, 0.5), 3), 's');
    put(`${figure}_p99_s`, round(histogramQuantile(since, 0.99), 3), 's');
  }
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(after)?.[1]);
  put('eventloop_delay_p99_s', round(gauge('serin_nodejs_eventloop_lag_p99_seconds'), 3), 's');
  put('eventloop_delay_max_s', round(gauge('serin_nodejs_eventloop_lag_max_seconds'), 3), 's');
  put('heap_used_mib', round(gauge('serin_nodejs_heap_size_used_bytes') / 2 ** 20), 'MiB');
  put('heap_total_mib', round(gauge('serin_nodejs_heap_size_total_bytes') / 2 ** 20), 'MiB');
  put('external_mib', round(gauge('serin_nodejs_external_memory_bytes') / 2 ** 20), 'MiB');
}

/** Asks the operator for a heap snapshot (SIGUSR2) and waits until it is written into `dir`. */
async function heapSnapshot(pid: number, dir: string): Promise<void> {
  const before = new Set(await readdir(dir));
  process.kill(pid, 'SIGUSR2');
  const written = async () => (await readdir(dir)).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
  let file: string | undefined;
  let size = -1;
  for (let waited = 0; waited < 300_000; waited += 2_000) {
    await sleep(2_000);
    file ??= await written();
    if (!file) continue;
    const now = (await stat(join(dir, file))).size;
    if (now > 0 && now === size) break;
    size = now;
  }
  say(
    file
      ? `[scale] heap snapshot: ${join(dir, file)} (npx tsx bench/scale/heap-summary.ts <it>)`
      : '[scale] no heap snapshot was written within 5 min',
  );
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const RATIOS: readonly [string, string][] = [
  ['rss_steady_mib', 'rss'],
  ['cpu_s_per_min', 'cpu'],
  ['api_reads_per_min', 'api_reads'],
  ['detection_p50_s', 'detection_p50'],
];

/** What an interrupted run must stop: the operator and the world of the size being measured. */
let cleanup: (() => Promise<void>) | undefined;
// Ctrl-C reaches this process twice (from the terminal, and relayed by tsx, its parent): every
// signal after the first is ignored, or the second would end the process before the cluster stops.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    say(`[scale] ${signal}: stopping the operator and the cluster`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const sizes = env('SCALE_SIZES', '1000,5000').split(',').map(Number);
const operators = env('SCALE_OPERATORS', 'serin,flagger').split(',') as OperatorName[];
if (operators.includes('serin')) await buildSerin(say);
for (const size of sizes) {
  const results: Figures[] = [];
  for (const operator of operators) {
    const figures = await measure(operator, size);
    results.push(figures);
    for (const [name, { value, unit }] of figures.values)
      console.log(`BENCH scale${size}_${operator}_${name} ${value} ${unit}`);
    for (const note of figures.notes) say(`[scale] ${operator} at ${size}: ${note}`);
  }
  const [serin, flagger] = [results.find((r) => r.operator === 'serin'), results.find((r) => r.operator === 'flagger')];
  if (serin && flagger) {
    for (const [figure, label] of RATIOS) {
      const [s, f] = [serin.values.get(figure)?.value, flagger.values.get(figure)?.value];
      if (s && f) console.log(`BENCH scale${size}_${label}_ratio_flagger_over_serin ${round(f / s, 2)} x`);
    }
  }
}
