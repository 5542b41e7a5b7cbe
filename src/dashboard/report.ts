/**
 * `serin simulate --html`: the release page as one self-contained file, for review in a pull
 * request. The data (a ReportData) is embedded as JSON, the page's bundle inlined, and a CSP meta
 * tag allows exactly that script and that style by hash and nothing from the network, so opening
 * the file fetches nothing and runs nothing else.
 */
import { createHash } from 'node:crypto';
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { formatOffset, VERDICTS } from '../sim/render.js';
import type { SimulationResult, TimelineEntry } from '../sim/simulation.js';
import type { DashboardAssets } from './assets.js';
import { checkSeries } from './checks.js';
import type { CheckSample, ReleaseView, ReportData, RevisionView, TimelineEvent } from './model.js';
import { canaryRow, record, text } from './rows.js';

/** Events in a row with the same type and message collapse into one with a count, as kubectl shows them. */
function timelineEvents(entries: readonly TimelineEntry[], start: number): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const e of entries) {
    const last = events.at(-1);
    if (e.type !== 'Step' && last && last.type === e.type && last.message === e.message) {
      events[events.length - 1] = { ...last, t: start + e.at, count: (last.count ?? 1) + 1 };
    } else {
      events.push({ t: start + e.at, type: e.type, reason: e.reason, message: e.message });
    }
  }
  return events;
}

type Containers = { name?: unknown; image?: unknown }[];

function containersOf(workload: KubeObject | undefined): Map<string, string> {
  const template = record(record(record(workload?.spec).template).spec);
  const list = (Array.isArray(template.containers) ? template.containers : []) as Containers;
  return new Map(list.map((c) => [text(c.name), text(c.image)]));
}

/** The target's containers against the primary's, the configs it uses and the revision hashes. */
function revisionOf(result: SimulationResult): RevisionView | undefined {
  const { target, primary, canary } = result.final;
  if (!target) return undefined;
  const primaryImages = containersOf(primary);
  const status = canary?.status;
  return {
    containers: [...containersOf(target)].map(([name, image]) => {
      const primaryImage = primaryImages.get(name);
      return { name, image, ...(primaryImage !== undefined && primaryImage !== image ? { primaryImage } : {}) };
    }),
    configs: Object.keys(status?.trackedConfigs ?? {}).sort(),
    ...(status?.lastAppliedSpec !== undefined ? { appliedSpec: status.lastAppliedSpec } : {}),
    ...(status?.lastPromotedSpec !== undefined ? { promotedSpec: status.lastPromotedSpec } : {}),
  };
}

/** The weights of the ladder: `stepWeights`, else `stepWeight` up to the max weight. */
function stepWeightsOf(canary: Canary, maxWeight: number): number[] {
  const { stepWeights, stepWeight = 0 } = canary.spec.analysis;
  if (stepWeights && stepWeights.length > 0) return [...stepWeights];
  const steps: number[] = [];
  for (let w = stepWeight; stepWeight > 0 && w <= maxWeight; w += stepWeight) steps.push(w);
  return steps;
}

/** Each check's measured values, from every analysis tick the simulation recorded. */
function checkSamples(result: SimulationResult) {
  const samples = new Map<string, { kind: 'metric' | 'webhook'; samples: CheckSample[] }>();
  for (const tick of result.timeline.analyses ?? []) {
    for (const c of tick.checks) {
      const series = samples.get(c.name) ?? { kind: c.kind, samples: [] };
      series.samples.push({
        t: result.startTime + tick.at,
        passed: c.passed,
        ...(c.value !== undefined ? { value: c.value } : {}),
        ...(c.message !== undefined ? { message: c.message } : {}),
      });
      samples.set(c.name, series);
    }
  }
  return samples;
}

/** The judge's evidence without its carried state (for Serin, not for reading). */
function judgeOf(canary: Canary): unknown {
  const judge = canary.status?.judge;
  if (!judge) return undefined;
  return Object.fromEntries(Object.entries(judge).filter(([key]) => key !== 'state'));
}

/** The report's data: the release page's view of how the simulated release went. */
export function reportData(result: SimulationResult): ReportData {
  const { timeline, startTime } = result;
  const canary = result.final.canary;
  if (!canary)
    throw new Error(`the simulation ended without its Canary ${timeline.canary.namespace}/${timeline.canary.name}`);
  const events = timelineEvents(timeline.entries, startTime);
  const last = [...events].reverse().find((e) => e.type !== 'Step');
  const row = canaryRow(
    canary as unknown as KubeObject,
    last ? { type: last.type, reason: last.reason, message: last.message, t: last.t } : undefined,
  );
  const revision = revisionOf(result);
  const judge = judgeOf(canary);
  const release: ReleaseView = {
    row,
    analysis: {
      interval: canary.spec.analysis.interval ?? '1m',
      stepWeights: stepWeightsOf(canary, row.maxWeight),
      maxWeight: row.maxWeight,
      threshold: row.threshold,
    },
    weights: timeline.weights.map((w) => ({ t: startTime + w.at, weight: w.canaryWeight, phase: w.phase })),
    checks: checkSeries(canary.spec, checkSamples(result)),
    events,
    ...(revision ? { revision } : {}),
    ...(judge !== undefined ? { judge } : {}),
  };
  const { scenario, verdict } = timeline;
  const about = scenario.description ? ` — ${scenario.description.trim()}` : '';
  return {
    kind: 'report',
    title: `${timeline.canary.namespace}/${timeline.canary.name}`,
    subtitle:
      `Simulated scenario ${scenario.name}${about} · ` +
      `Verdict: ${VERDICTS[verdict.result]}, phase ${verdict.phase || '(none)'} at ${formatOffset(verdict.at)}`,
    release,
  };
}

/** The CSP source that allows exactly this inline text. */
function hashSource(body: string): string {
  return `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * JSON that cannot end its <script> element: every `<`, `>` and `&` as a \u escape, which JSON.parse
 * reads back as the same character.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The bundle inside <script>/<style>: refused (a build problem) if it could end its element early. */
function inlineSafe(body: string, tag: 'script' | 'style'): string {
  if (new RegExp(`</${tag}|<!--`, 'i').test(body)) {
    throw new Error(`the dashboard bundle's ${tag} contains "</${tag}" or "<!--" and cannot be inlined in a report`);
  }
  return body;
}

/** The report as one HTML file: data, script and style inline, allowed by hash, nothing from the network. */
export function renderReport(data: ReportData, assets: DashboardAssets): string {
  const js = inlineSafe(assets.js, 'script');
  const css = inlineSafe(assets.css, 'style');
  const csp = [
    "default-src 'none'",
    `script-src ${hashSource(js)}`,
    `style-src ${hashSource(css)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${data.title} · Serin release report`)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    `<script type="application/json" id="serin-report">${scriptSafeJson(data)}</script>`,
    `<script type="module">${js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
