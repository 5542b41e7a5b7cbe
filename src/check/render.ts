/**
 * The two renderings of a {@link CheckReport}: a readable report grouped per Canary (✔ / ✖ / !
 * lines, fixes under the line they fix, a summary line) and the same as JSON data.
 */
import {
  CheckStatus,
  summarize,
  type CanaryReport,
  type CheckReport,
  type CheckSummary,
  type Section,
} from './report.js';

const MARK: Readonly<Record<CheckStatus, string>> = { pass: '✔', warn: '!', fail: '✖' };

/** The report as text, ending with the summary line (no trailing newline). */
export function renderText(report: CheckReport): string {
  const out: string[] = [];
  for (const section of report.general) {
    if (section.checks.length === 0) continue;
    out.push(...renderSection(section, ''), '');
  }
  for (const canary of report.canaries) {
    out.push(`Canary ${canary.namespace}/${canary.name} (${canary.file}, document ${canary.document})`);
    for (const section of canary.sections) out.push(...renderSection(section, '  '));
    if (canary.skipped) out.push(`  (${canary.skipped})`);
    out.push('');
  }
  out.push(summaryLine(report, summarize(report)));
  return out.join('\n');
}

/** The report as data: what the text shows, plus the summary and the exit code. */
export function toJson(report: CheckReport): { readonly summary: CheckSummary } & CheckReport {
  return { ...report, summary: summarize(report) };
}

/** {@link toJson}, pretty-printed. */
export function renderJson(report: CheckReport): string {
  return JSON.stringify(toJson(report), null, 2);
}

function renderSection(section: Section, indent: string): string[] {
  const title = section.note ? `${section.title} · ${section.note}` : section.title;
  const lines = [`${indent}${title}`];
  if (section.checks.length === 0 && !section.note) lines.push(`${indent}  (nothing to check)`);
  for (const check of section.checks) {
    lines.push(`${indent}  ${MARK[check.status]} ${indentRest(check.message, `${indent}    `)}`);
    if (check.fix && check.status !== CheckStatus.Pass) lines.push(`${indent}    → ${check.fix}`);
  }
  return lines;
}

/** Keeps multi-line messages (a provider's error text) under their mark. */
function indentRest(text: string, indent: string): string {
  return text.replace(/\n/g, `\n${indent}`);
}

function summaryLine(report: CheckReport, summary: CheckSummary): string {
  const counts = `${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}, ${summary.passed} passed`;
  const failing = report.canaries.filter(hasErrors).length;
  const generalErrors = report.general.some((s) => s.checks.some((c) => c.status === CheckStatus.Fail));
  if (summary.errors === 0) {
    return `✔ ${counts}: ${summary.canaries === 1 ? 'the Canary is' : `${plural(summary.canaries, 'Canary', 'Canaries')} are`} ready`;
  }
  const which =
    failing === 0
      ? 'the inputs or the cluster need attention'
      : `${failing} of ${plural(summary.canaries, 'Canary', 'Canaries')} ${failing === 1 ? 'is' : 'are'} not ready`;
  return `✖ ${counts}: ${which}${failing > 0 && generalErrors ? ' (and see the problems above)' : ''}`;
}

function hasErrors(canary: CanaryReport): boolean {
  return canary.sections.some((s) => s.checks.some((c) => c.status === CheckStatus.Fail));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
