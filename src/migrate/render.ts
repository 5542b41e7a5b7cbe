/**
 * Output of `serin migrate appmesh-to-gatewayapi`: the text report (per Canary its changes, the
 * plan and the migrated YAML) or only the migrated Canaries as YAML documents for `kubectl apply -f -`.
 */
import { stringify } from 'yaml';
import type { Canary } from '../api/index.js';
import type { GatewayTarget, Migration } from './appmesh-to-gatewayapi.js';
import type { Change } from './change.js';
import { renderPlan, type PlanPhase } from './plan.js';

/** One Canary's result, ready to print. */
export interface MigrationReport {
  readonly file: string;
  readonly original: Canary;
  readonly migration: Migration;
  /** The plan; empty when the Canary was skipped. */
  readonly plan: readonly PlanPhase[];
}

/** Said first in the text report, and in the command's help. */
export const CHANGES_NOTHING =
  'This changes nothing in any cluster: it prints the migrated Canaries; apply them yourself (-o yaml | kubectl apply -f -) or run again with --apply.';
/** The first line with `--apply`. */
export const APPLIES =
  'With --apply the migrated Canaries are written to the cluster, each only while no release runs and only if nobody changed it meanwhile (see the lines at the end).';

/** `gateways/public:http` */
export function gatewayText(gateway: GatewayTarget): string {
  return `${gateway.namespace}/${gateway.name}${gateway.sectionName ? `:${gateway.sectionName}` : ''}`;
}

/** `- field: before → after — why` */
export function changeLine(change: Change): string {
  const values =
    change.before === undefined && change.after === undefined
      ? ''
      : `${change.before ?? '(unset)'} → ${change.after ?? '(dropped)'}`;
  return `- ${change.field}: ${values ? `${values} — ` : ''}${change.why}`;
}

function canaryLabel(canary: Canary): string {
  const ns = canary.metadata?.namespace;
  return `Canary ${ns ? `${ns}/` : ''}${canary.metadata?.name ?? '(no name)'}`;
}

/** The text report. */
export function renderText(
  reports: readonly MigrationReport[],
  gateway: GatewayTarget,
  lattice: boolean,
  header: string = CHANGES_NOTHING,
): string {
  const target = `Gateway ${gatewayText(gateway)}${lattice ? ' (Amazon VPC Lattice)' : ''}`;
  const blocks = reports.map((r) => {
    const head = `== ${canaryLabel(r.original)} (${r.file})`;
    if (!r.migration.migrated) return `${head}: skipped — ${r.migration.why}`;
    return [
      `${head} → ${r.migration.canary.spec.provider} on ${target}`,
      '',
      'Changes:',
      ...r.migration.changes.map(changeLine),
      '',
      'Plan:',
      ...renderPlan(r.plan),
      '',
      'Migrated Canary:',
      stringify(r.migration.canary).trimEnd(),
    ].join('\n');
  });
  return [header, '', ...blocks.flatMap((b) => [b, ''])].join('\n').trimEnd();
}

/** The migrated Canaries as YAML documents (skipped ones are left out). */
export function renderYaml(reports: readonly MigrationReport[]): string {
  return reports
    .flatMap((r) => (r.migration.migrated ? [stringify(r.migration.canary).trimEnd()] : []))
    .map((doc) => `---\n${doc}`)
    .join('\n');
}
