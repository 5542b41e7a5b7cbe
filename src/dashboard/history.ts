/**
 * What a release did over time, for the charts: the Canary's status only holds the present, so
 * the dashboard keeps, per canary, a sample each time the watch sees the weight or phase change and
 * each check's value each time `status.lastAnalysis` is new. Bounded: the last {@link MAX_SAMPLES}
 * of each, at most {@link MAX_CHECKS} checks. Weights from before the dashboard started are
 * recovered from the canary's `Advance … canary weight N` events.
 */
import type { KubeObject } from '../kube/objects.js';
import type { CheckSample, WeightSample } from './model.js';
import { finite, record, text, time } from './rows.js';

/** Samples kept per series. */
export const MAX_SAMPLES = 500;
/** Checks followed per canary (a spec lists a handful; a garbage one could list thousands). */
export const MAX_CHECKS = 30;

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
}

export interface CheckHistory {
  readonly kind: 'metric' | 'webhook';
  readonly samples: CheckSample[];
}

export class CanaryHistory {
  readonly weights: WeightSample[] = [];
  readonly checks = new Map<string, CheckHistory>();
  private lastAnalysisTime = '';

  /** Records what is new in this version of the Canary, seen by the watch at `now`. */
  observe(canary: KubeObject, now: number): void {
    const status = record(canary.status);
    const weight = finite(status.canaryWeight);
    const phase = text(status.phase, 64);
    const last = this.weights.at(-1);
    if (!last || last.weight !== weight || last.phase !== phase) {
      // The status's own time when it has one (the first sight of an old canary), never going back.
      const t = Math.max(last?.t ?? 0, last ? now : (time(status.lastTransitionTime) ?? now));
      push(this.weights, { t, weight, phase });
    }
    this.observeAnalysis(record(status.lastAnalysis), now);
  }

  private observeAnalysis(analysis: Record<string, unknown>, now: number): void {
    const at = text(analysis.time, 64);
    if (!at || at === this.lastAnalysisTime || !Array.isArray(analysis.checks)) return;
    this.lastAnalysisTime = at;
    const t = time(at) ?? now;
    for (const raw of analysis.checks) {
      const check = record(raw);
      const name = text(check.name, 253);
      if (!name) continue;
      let series = this.checks.get(name);
      if (!series) {
        if (this.checks.size >= MAX_CHECKS) continue;
        series = { kind: check.kind === 'webhook' ? 'webhook' : 'metric', samples: [] };
        this.checks.set(name, series);
      }
      const message = text(check.message, 1024);
      push(series.samples, {
        t,
        passed: check.passed === true,
        ...(typeof check.value === 'number' && Number.isFinite(check.value) ? { value: check.value } : {}),
        ...(message ? { message } : {}),
      });
    }
  }
}

const ADVANCE = /^Advance \S+ canary weight (\d{1,3})$/;

/**
 * The weight series: points recovered from events (`Advance … canary weight N`) before the first
 * observed sample, then the observed samples.
 */
export function weightSeries(
  history: CanaryHistory | undefined,
  events: readonly { readonly t: number; readonly message: string }[],
): WeightSample[] {
  const observed = history?.weights ?? [];
  const firstSeen = observed[0]?.t ?? Infinity;
  const recovered: WeightSample[] = [];
  for (const e of events) {
    const weight = ADVANCE.exec(e.message)?.[1];
    if (weight !== undefined && e.t < firstSeen)
      recovered.push({ t: e.t, weight: Number(weight), phase: 'Progressing' });
  }
  recovered.sort((a, b) => a.t - b.t);
  return [...recovered.slice(-MAX_SAMPLES), ...observed];
}
