import type { Timeline } from './simulation.js';

/** `1h2m3s`-style offset from the start of the simulation. */
export function formatOffset(ms: number): string {
  if (ms === 0) return '+0s';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `+${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || (!h && !m) ? `${rest}s` : ''}`;
}

/** The verdict of a simulation in words, by `Verdict.result` (the text output and the HTML report). */
export const VERDICTS = {
  promoted: 'PROMOTED',
  'rolled-back': 'ROLLED BACK',
  idle: 'NO RELEASE (nothing started a canary run)',
  running: 'STILL RUNNING at the time limit',
} as const;

/** The timeline as a person reads it: `kubectl describe canary` events with virtual times, traffic, verdict. */
export function renderTimeline(t: Timeline, options: { readonly wallMs?: number } = {}): string {
  const out: string[] = [];
  out.push(`Canary ${t.canary.namespace}/${t.canary.name} — scenario ${t.scenario.name}`);
  if (t.scenario.description) out.push(`  ${t.scenario.description}`);
  out.push('', 'Events:', `  ${'TIME'.padEnd(8)} ${'TYPE'.padEnd(8)} ${'REASON'.padEnd(8)} MESSAGE`);
  // Repeats of one event in a row collapse into one line, as `kubectl describe` counts them.
  for (let i = 0; i < t.entries.length; i++) {
    const e = t.entries[i]!;
    let last = i;
    while (e.type !== 'Step' && t.entries[last + 1]?.message === e.message && t.entries[last + 1]?.type === e.type)
      last++;
    const repeats = last > i ? ` (x${last - i + 1}, until ${formatOffset(t.entries[last]!.at)})` : '';
    if (e.type === 'Step') out.push(`  ${formatOffset(e.at).padEnd(8)} ── ${e.message}`);
    else out.push(`  ${formatOffset(e.at).padEnd(8)} ${e.type.padEnd(8)} ${e.reason.padEnd(8)} ${e.message}${repeats}`);
    i = last;
  }
  out.push('', 'Traffic to the canary:');
  for (const w of t.weights.filter((x) => x.phase !== '')) {
    const filled = Math.round(w.canaryWeight / 5);
    out.push(
      `  ${formatOffset(w.at).padEnd(8)} ${'█'.repeat(filled)}${'░'.repeat(20 - filled)} ${String(w.canaryWeight).padStart(3)}%  ${w.phase}`,
    );
  }
  out.push(
    '',
    `Verdict: ${VERDICTS[t.verdict.result]} — phase ${t.verdict.phase || '(none)'} at ${formatOffset(t.verdict.at)}`,
  );
  const wall = options.wallMs === undefined ? '' : ` in ${options.wallMs.toFixed(0)} ms`;
  out.push(`Simulated ${formatOffset(t.durationMs).slice(1)} of virtual time${wall}.`);
  return out.join('\n');
}
