/**
 * The dashboard at 1,000 canaries, measured in a real browser: 1,000 Canaries on the real local API
 * server (their statuses written through the status subresource, as the operator would: no operator
 * runs), `serin dashboard` in local mode as its own process, Debian's Chromium through playwright-core.
 *
 * - `dashboard_fleet_load_ms`: navigation to the fleet page → its 1,000 rows in the DOM (median of
 *   several loads after a warm-up, timed by the page's own clock from its navigation start);
 * - `dashboard_update_latency_ms_p50` / `_p99`: a status patch answered by the API server → that
 *   row's weight text changed in the page (a MutationObserver notes the moment);
 * - `dashboard_fleet_heap_mib`: the page's JS heap after load and a garbage collection.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { ensureControlPlane } from '../src/devcluster/binaries.js';
import { startLocalCluster, stopLocalCluster } from '../src/devcluster/cluster.js';
import { installCrds } from '../src/devcluster/install-crds.js';
import { KubeRest } from '../src/kube/rest.js';
import { launchChromium, newContext, type Cleanups } from '../test/support/browser.js';
import { startDashboard } from '../test/support/dashboard.js';
import { seedLikeCanary } from '../test/support/fixtures.js';
import type { Figure } from './run.js';

const NAMESPACES = 10;
const PER_NAMESPACE = 100;
const CANARIES = NAMESPACES * PER_NAMESPACE;
const LOADS = 5;
const SAMPLES = 40;
/** Requests in flight while the fleet is created. */
const PARALLEL = 16;

const progress = (line: string): void => void console.error(`[bench dashboard] ${line}`);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Runs `work` on every item, `PARALLEL` at a time. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
}

interface Slot {
  readonly namespace: string;
  readonly name: string;
  readonly index: number;
}

const slots: readonly Slot[] = Array.from({ length: CANARIES }, (_, index) => ({
  namespace: `fleet-${String(Math.floor(index / PER_NAMESPACE)).padStart(2, '0')}`,
  name: `app-${String(index % PER_NAMESPACE).padStart(3, '0')}`,
  index,
}));

/** A varied, repeatable status: most canaries idle, some releasing, a few failed or waiting. */
function statusOf(index: number): Record<string, unknown> {
  const kind = index % 10;
  const phase = ['Succeeded', 'Succeeded', 'Initialized', 'Initialized', 'Progressing', 'Progressing', 'Progressing'][
    kind
  ];
  const at = new Date(Date.now() - (index % 97) * 60_000).toISOString();
  if (phase) {
    const weight = phase === 'Progressing' ? 10 + (index % 5) * 10 : 0;
    return {
      phase,
      canaryWeight: weight,
      failedChecks: index % 3 === 0 ? 1 : 0,
      iterations: 0,
      lastTransitionTime: at,
    };
  }
  if (kind === 7) return { phase: 'WaitingPromotion', canaryWeight: 50, failedChecks: 0, lastTransitionTime: at };
  return { phase: 'Failed', canaryWeight: 0, failedChecks: 3, lastTransitionTime: at };
}

const canaryPath = (s: Slot) => `/apis/flagger.app/v1beta1/namespaces/${s.namespace}/canaries/${s.name}`;

async function writeStatus(rest: KubeRest, slot: Slot, status: Record<string, unknown>): Promise<void> {
  await rest.json(`${canaryPath(slot)}/status`, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { status },
  });
}

async function createFleet(rest: KubeRest): Promise<void> {
  for (let n = 0; n < NAMESPACES; n++) {
    const name = `fleet-${String(n).padStart(2, '0')}`;
    await rest.json('/api/v1/namespaces', { method: 'POST', body: { metadata: { name } } });
  }
  let done = 0;
  await inParallel(slots, async (slot) => {
    const canary = seedLikeCanary(slot.namespace, slot.name, { hpa: false, analysis: { interval: '1m' } });
    await rest.json(`/apis/flagger.app/v1beta1/namespaces/${slot.namespace}/canaries`, {
      method: 'POST',
      body: canary,
    });
    await writeStatus(rest, slot, statusOf(slot.index));
    if (++done % 200 === 0) progress(`${done}/${CANARIES} canaries created with a status`);
  });
}

/**
 * Loads the fleet page and returns the page's own time from navigation start to 1,000 rows in the DOM
 * (checked every animation frame). Evaluated through DevTools: the page's CSP rightly forbids the
 * string eval that playwright's waitForFunction would use.
 */
async function loadFleet(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  return page.evaluate<number>(`new Promise((resolve, reject) => {
    const give = setTimeout(() => reject(new Error('no ${CANARIES} rows in 120 s')), 120000);
    const check = () => {
      if (document.querySelectorAll('tr[data-canary]').length >= ${CANARIES}) {
        clearTimeout(give);
        resolve(performance.now());
      } else requestAnimationFrame(check);
    };
    check();
  })`);
}

/** Installs, once, an observer that notes when the watched row's weight text becomes the expected one. */
async function watchRows(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__expect = null;
    const look = () => {
      const e = window.__expect;
      if (!e || e.at) return;
      const cell = document.querySelector('tr[data-canary="' + e.key + '"] [data-field=weight]');
      if (cell && cell.textContent.trim() === e.text) e.at = Date.now();
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
}

/** Patches one canary's weight SAMPLES times and measures how long each takes to show in its row. */
async function updateLatencies(page: Page, rest: KubeRest): Promise<number[]> {
  await watchRows(page);
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const slot = slots[(i * 37 + 11) % CANARIES];
    if (!slot) continue;
    const weight = 5 + ((i * 7) % 10) * 10; // odd multiples of 5: never a weight statusOf gave (each slot is patched once)
    const key = `${slot.namespace}/${slot.name}`;
    await page.evaluate(`window.__expect = { key: ${JSON.stringify(key)}, text: '${weight}%', at: 0 }`);
    await writeStatus(rest, slot, { phase: 'Progressing', canaryWeight: weight });
    const written = Date.now();
    const deadline = written + 10_000;
    let shown = 0;
    while (!shown) {
      shown = await page.evaluate<number>('window.__expect.at');
      if (!shown && Date.now() > deadline) throw new Error(`bench: ${key} never showed ${weight}% on the page`);
      if (!shown) await new Promise((r) => setTimeout(r, 10));
    }
    latencies.push(Math.max(0, shown - written));
    // Spaced over a few batching windows, off their rhythm.
    await new Promise((r) => setTimeout(r, 150 + ((i * 53) % 170)));
  }
  return latencies.sort((a, b) => a - b);
}

/** The page's used JS heap after a full garbage collection, in MiB. */
async function heapMib(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / (1024 * 1024);
}

/** What the bench started, stopped last-first at the end. */
function cleanupStack(): Cleanups & { run(): Promise<void> } {
  const fns: (() => unknown)[] = [];
  return {
    after: (fn) => void fns.push(fn),
    run: async () => {
      for (const fn of fns.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    },
  };
}

async function measure(kubeconfig: string, rest: KubeRest, cleanups: Cleanups): Promise<Figure[]> {
  const dashboard = await startDashboard(cleanups, { mode: 'local', kubeconfig, name: 'bench' });
  progress(`serin dashboard at ${dashboard.origin} (log ${dashboard.logFile})`);
  const browser = await launchChromium();
  cleanups.after(() => browser.close());
  const page = await (await newContext(browser)).newPage();
  const warm = await loadFleet(page, dashboard.printedUrl); // spends the one-time token; the cookie stays
  progress(`first load (cold bundle, token redirect): ${warm.toFixed(0)} ms`);
  const loads: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    loads.push(await loadFleet(page, `${dashboard.origin}/`));
    progress(`load ${i + 1}/${LOADS}: ${loads.at(-1)?.toFixed(0)} ms`);
  }
  loads.sort((a, b) => a - b);
  await page.locator('[data-testid=live]', { hasText: /^\s*live\s*$/ }).waitFor();
  const heap = await heapMib(page);
  progress(`JS heap after load: ${heap.toFixed(1)} MiB`);
  const latencies = await updateLatencies(page, rest);
  progress(`update latency over ${latencies.length} patches: ${latencies.map((l) => l.toFixed(0)).join(' ')} ms`);
  return [
    { name: 'dashboard_fleet_load_ms', value: Math.round(percentile(loads, 50)), unit: 'ms' },
    { name: 'dashboard_update_latency_ms_p50', value: Math.round(percentile(latencies, 50)), unit: 'ms' },
    { name: 'dashboard_update_latency_ms_p99', value: Math.round(percentile(latencies, 99)), unit: 'ms' },
    { name: 'dashboard_fleet_heap_mib', value: Number(heap.toFixed(1)), unit: 'MiB' },
  ];
}

/** `make bench`: the figures above, on a local control plane of its own. */
export async function benchDashboard(): Promise<Figure[]> {
  const files = await ensureControlPlane({ build: true, onProgress: (l) => console.error(l) });
  const cluster = await startLocalCluster({
    stateDir: join(tmpdir(), `serin-bench-dashboard-${process.pid}`),
    files,
    onProgress: () => undefined,
  });
  const cleanups = cleanupStack();
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    await installCrds(kc, files);
    const rest = new KubeRest(kc);
    const started = Date.now();
    await createFleet(rest);
    progress(`${CANARIES} canaries in ${NAMESPACES} namespaces in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return await measure(cluster.kubeconfig, rest, cleanups);
  } finally {
    await cleanups.run();
    await stopLocalCluster(cluster);
  }
}
