/**
 * `make bench-variants`: one world of N canaries, Serin started once per variant and round, each
 * measured over the same minutes of releases as bench/scale/run.ts makes. For settings whose effect is
 * smaller than what separates two runs of the whole bench (each on a fresh cluster, its first
 * initialization in the figures): here every variant meets the same cluster, Prometheus and
 * canaries, already initialized, and rounds interleave the variants so that drift falls on all.
 *
 * SCALE_VARIANTS: a JSON list of `{ "name", "dist"?, "nodeFlags"?, "env"?, "flags"? }` — `dist` a built
 * dist/ (default this checkout's, built first), `nodeFlags` flags for node itself, `env` variables
 * over tools/image/runtime.env's, `flags` more `serin operator` flags. SCALE_SIZES (one size, default
 * 1000), SCALE_MINUTES (releases per variant and round, default 3), SCALE_ROUNDS (default 2).
 *
 * Prints `BENCH scale<N>_variant_<name>_<figure> <value> <unit>` per round and a table of the
 * medians over rounds on stderr.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CanaryObserver, percentile, ProcessSampler } from './observe.js';
import { buildSerin, startOperator } from './operators.js';
import { releaseBatch, startScaleWorld } from './world.js';

interface Variant {
  readonly name: string;
  readonly dist?: string;
  readonly nodeFlags?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly flags?: readonly string[];
}

const say = (line: string): void => console.error(line);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** Time for a started operator to list its caches and pass over every canary once before measuring. */
const SETTLE_MS = 60_000;

function variantsFrom(text: string | undefined): Variant[] {
  const parsed: unknown = JSON.parse(text ?? '[{"name":"head"}]');
  const valid =
    Array.isArray(parsed) &&
    parsed.length > 0 &&
    parsed.every((v) => typeof (v as Variant | null)?.name === 'string' && /^[a-z0-9_-]+$/i.test((v as Variant).name));
  if (!valid)
    throw new Error('SCALE_VARIANTS: a JSON list of { "name": "letters-digits", ... }, e.g. [{"name":"head"}]');
  return parsed as Variant[];
}

const variants = variantsFrom(process.env.SCALE_VARIANTS);
const size = Number(process.env.SCALE_SIZES ?? '1000');
const minutes = Number(process.env.SCALE_MINUTES ?? '3');
const rounds = Number(process.env.SCALE_ROUNDS ?? '2');
if (!Number.isInteger(size) || size <= 0) throw new Error('SCALE_SIZES: one size here, e.g. 1000');

if (variants.some((v) => v.dist === undefined)) await buildSerin(say);
const root = join(tmpdir(), `serin-bench-variants-${process.pid}`);
await mkdir(root, { recursive: true });
const world = await startScaleWorld(size, ['serin'], join(root, 'world'), say);
let stopOperator: (() => Promise<void>) | undefined;
process.once('SIGINT', () => void (stopOperator?.() ?? Promise.resolve()).finally(() => void world.stop()));
const observer = new CanaryObserver(world.kc, 60_000);
const results = new Map<string, { rss: number[]; cpu: number[]; detectionP99: number[] }>();
try {
  await observer.start();
  const kubeconfig = await world.kubeconfigFor('serin');
  const run = async (variant: Variant) => {
    const operator = await startOperator(
      'serin',
      {
        kubeconfig,
        metricsServer: world.prometheus.url,
        logDir: root,
        extra: variant.flags ?? [],
        ...(variant.dist ? { dist: variant.dist } : {}),
        nodeFlags: variant.nodeFlags ?? [],
        ...(variant.env ? { env: variant.env } : {}),
      },
      say,
    );
    stopOperator = () => operator.stop();
    return operator;
  };

  // The first start initializes every canary; it is not measured.
  const first = await run(variants[0]!);
  while (observer.count('Initialized') + observer.count('Succeeded') + observer.count('Failed') < size)
    await sleep(2_000);
  await first.stop();
  say(`[variants] all ${size} canaries initialized`);

  let n = 0;
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      const operator = await run(variant);
      const sampler = new ProcessSampler(operator.pid);
      sampler.start();
      await sleep(SETTLE_MS);
      const [t0, cpu0, detected0] = [Date.now(), await sampler.cpuSeconds(), observer.detectionMs.length];
      for (let minute = 0; minute < minutes; minute++) {
        n += await releaseBatch(world, observer, n);
        await sleep(Math.max(0, t0 + (minute + 1) * 60_000 - Date.now()));
      }
      const rss = sampler.medianMiB(t0, Date.now());
      const cpu = ((await sampler.cpuSeconds()) - cpu0) / ((Date.now() - t0) / 60_000);
      const detectionP99 = percentile(observer.detectionMs.slice(detected0), 99) / 1000;
      sampler.stop();
      await operator.stop();
      const figures = results.get(variant.name) ?? { rss: [], cpu: [], detectionP99: [] };
      figures.rss.push(rss);
      figures.cpu.push(cpu);
      figures.detectionP99.push(detectionP99);
      results.set(variant.name, figures);
      const prefix = `BENCH scale${size}_variant_${variant.name}`;
      console.log(`${prefix}_rss_steady_mib ${Math.round(rss)} MiB`);
      console.log(`${prefix}_cpu_s_per_min ${cpu.toFixed(2)} s/min`);
      console.log(`${prefix}_detection_p99_s ${detectionP99.toFixed(3)} s`);
      say(
        `[variants] round ${round}/${rounds} ${variant.name}: RSS ${rss.toFixed(0)} MiB, CPU ${cpu.toFixed(2)} s/min`,
      );
    }
  }
} finally {
  observer.stop();
  await world.stop();
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};
say(`\nvariant | RSS median (MiB, each round) | CPU s/min | detection p99 s (medians over rounds)`);
for (const [name, f] of results) {
  say(
    `${name} | ${median(f.rss).toFixed(0)} (${f.rss.map((v) => v.toFixed(0)).join(', ')}) | ${median(f.cpu).toFixed(2)} | ${median(f.detectionP99).toFixed(2)}`,
  );
}
