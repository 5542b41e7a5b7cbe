/**
 * The A/A run of the judge's pre-flight in words: no FAIL between two halves of the primary (pass),
 * a FAIL (the data are too bursty or one pod differs: named, with each pod's rate and the fix), or a
 * signal the judge cannot read (a release would count a failed check in every window).
 */
import {
  histogramIncrease,
  requestsAbove,
  type CounterWindow,
  type JudgeConfig,
  type SignalReport,
} from '../judge/index.js';
import { formatCount, formatSeconds } from '../judge/planner.js';
import { percentText, ratioText } from '../judge/report.js';
import type { ArmSeries } from '../metrics/judge-source.js';
import { seriesOf, trafficOf, type AaRun } from './judge-aa.js';
import { fail, pass, type CheckLine } from './report.js';

/** What the words are made of. */
export interface AaFacts {
  readonly config: JudgeConfig;
  /** Both directions: half a as the canary against half b, then b against a. */
  readonly runs: readonly AaRun[];
  readonly windows: readonly CounterWindow[];
  /** The primary's series over the whole span, for each pod's rate. */
  readonly primary: ArmSeries;
  readonly podLabel: string;
  /** The judged part of the span (after the pre-rollout part). */
  readonly judged: CounterWindow;
}

/** Pod names, the first few when there are many. */
export function podList(pods: readonly string[], max = 4): string {
  const shown = pods.slice(0, max).join(', ');
  return pods.length > max ? `${shown} and ${pods.length - max} more` : shown;
}

/** Each pod's event rate for a signal over `window`: errors, or requests above the frozen boundary. */
export function podRates(facts: AaFacts, report: SignalReport, pods: readonly string[]): string {
  const rates = pods.map((pod) => {
    const mine = seriesOf(facts.primary, facts.podLabel, [pod]);
    if (report.name === 'error-ratio') return { pod, ...trafficOf(mine, facts.judged) };
    const histogram = histogramIncrease(mine.buckets, mine.count, facts.judged);
    const above = histogram.ok ? requestsAbove(histogram.value, report.boundary ?? NaN) : undefined;
    return { pod, ...(above?.ok ? above.value : { requests: 0, events: 0 }) };
  });
  const what = report.name === 'error-ratio' ? 'errors' : `above ${report.boundary ?? '?'}`;
  return rates
    .map(
      (r) =>
        `${r.pod} ${r.requests > 0 ? percentText(r.events / r.requests) : '–'} ${what} of ${formatCount(r.requests)}`,
    )
    .join(', ');
}

/** The A/A lines: one pass, or the FAIL (first in time), or each signal that could not be judged. */
export function aaLines(facts: AaFacts): CheckLine[] {
  const { runs, windows } = facts;
  const length = (windows[0]?.end ?? 0) - (windows[0]?.start ?? 0);
  const span = `${formatSeconds(facts.judged.end - facts.judged.start)} (${windows.length} windows of ${formatSeconds(length)})`;
  const failed = runs
    .filter((r) => r.firstFail !== null)
    .sort((x, y) => (x.firstFail?.window ?? 0) - (y.firstFail?.window ?? 0));
  const [first] = failed;
  if (first?.firstFail) return [failLine(facts, first)];
  const last = runs[0]?.last;
  const errors = (last?.signals ?? []).filter((s) => s.verdict === 'ERROR');
  if (errors.length > 0) {
    return errors.map((s) =>
      fail(
        `A/A on the primary: ${s.name} could not be judged: ${s.reason}`,
        `a release would count a failed check in every window: make the series readable as the message says, or remove ${s.name} from spec.analysis.judge.compare`,
        { signal: s.name, verdict: 'ERROR' },
      ),
    );
  }
  const verdicts = (last?.signals ?? []).map((s) => `${s.name} ${s.verdict} (φ ${ratioText(s.phi)})`).join(', ');
  const pods = (runs[0]?.canary.length ?? 0) + (runs[0]?.primary.length ?? 0);
  return [
    pass(
      `A/A on the primary: its ${pods} pods in two alternate halves by name, each judged as the canary against the other over ${span}: no FAIL — ${verdicts}`,
      { aa: 'no-fail', windows: windows.length },
    ),
  ];
}

function failLine(facts: AaFacts, run: AaRun): CheckLine {
  const at = run.firstFail;
  const reports = (at?.outcome.signals ?? []).filter((s) => s.verdict === 'FAIL');
  const names = reports.map((s) => s.name).join(' and ');
  const when = new Date(Math.round(at?.end ?? 0) * 1000).toISOString().replace('.000Z', 'Z');
  const evidence = reports.map((s) => `${s.name}: ${s.reason}`).join('; ');
  const pods = [...run.canary, ...run.primary].sort();
  const perPod = reports.map((s) => `${s.name} per pod: ${podRates(facts, s, pods)}`).join('; ');
  const raise = reports
    .map(
      (s) =>
        `failAbove of ${s.name} (now ${ratioText(s.failAbove)}, e.g. ${ratioText(Math.max(1.25, s.failAbove + 0.25))})`,
    )
    .join(', ');
  const length = formatSeconds((facts.windows[0]?.end ?? 0) - (facts.windows[0]?.start ?? 0));
  return fail(
    `A/A on the primary: ${names} FAILED between two halves of the same primary — ${podList(run.canary)} ` +
      `judged as the canary against ${podList(run.primary)} — in window ${(at?.window ?? 0) + 1} of ${facts.windows.length} ` +
      `(${length} each), ending ${when}: ${evidence}. ${perPod}`,
    `a release would be rolled back with no fault of its own: the primary's own pods differ, or errors come in bursts ` +
      `the judge's over-dispersion φ does not cover. Check the pods (one unlike the others: find why, restart or replace it), ` +
      `or raise ${raise}, keeping passBelow above it`,
    { aa: 'fail', signals: names, window: (at?.window ?? 0) + 1 },
  );
}
