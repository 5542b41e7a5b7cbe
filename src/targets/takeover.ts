/**
 * Taking over canaries that Go Flagger managed (docs/switching.md). Flagger records a target's
 * revision in `status.lastAppliedSpec` as an FNV-32 hash of a Go struct dump of the pod template,
 * which depends on Go type layouts and `resource.Quantity` internals and cannot be reproduced.
 * Serin accepts that hash as the hash of the target's current template when the cluster shows that
 * Flagger saw this very template:
 *
 * 1. the primary runs it: the primary's pod template is what promoting the target's would give
 *    (the `flagger-id` annotation aside, random in Flagger); used for the settled phases, where
 *    Flagger promoted the revision it recorded; or
 * 2. nobody changed the template since Flagger last wrote the status: every managed-fields entry
 *    of the target that owns fields of `spec.template` was written strictly before the status'
 *    `lastTransitionTime` (Flagger sets it on every status write, after reading the template it
 *    hashes). Both times have second precision; "strictly before" keeps the rule safe when they
 *    fall in the same second.
 *
 * Without either, the template is treated as a new revision: one analysis, never a promotion of a
 * template nobody judged. Tracked configs need none of this: their checksums are Flagger's exactly.
 *
 * This relies on the watch cache keeping `metadata.managedFields` of target workloads.
 */
import type { CanaryStatus } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { isSerinSpecHash } from './revision.js';

/** Why the template whose hash another operator recorded is, or is not, taken as the current one. */
export interface RecordedRevision {
  /** The hash found in `status.lastAppliedSpec`. */
  readonly recorded: string;
  /** True when the current template is the one recorded. */
  readonly adopt: boolean;
  /** The evidence, as a sentence fragment for the event (`the primary runs it`, …). */
  readonly reason: string;
}

/** Phases in which the recorded revision was promoted: the primary runs it. */
const SETTLED_PHASES: ReadonlySet<string> = new Set(['Initialized', 'Succeeded']);

interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly time?: string;
  readonly subresource?: string;
  readonly fieldsV1?: Record<string, unknown>;
}

/** The hash another operator (Go Flagger) recorded as the last applied revision, if the status holds one. */
export function foreignRevision(status: CanaryStatus | undefined): string | undefined {
  const recorded = status?.lastAppliedSpec ?? '';
  return recorded !== '' && !isSerinSpecHash(recorded) ? recorded : undefined;
}

/**
 * When a field manager last changed the workload's pod template (ms since the epoch), from its
 * managed fields; undefined when that cannot be told (no managed fields, an entry without a time).
 */
export function templateChangedAt(workload: KubeObject): number | undefined {
  const entries = (workload.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields;
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  let latest: number | undefined;
  for (const entry of entries) {
    if (entry.subresource) continue; // status and scale never hold the template
    const spec = entry.fieldsV1?.['f:spec'];
    if (typeof spec !== 'object' || spec === null || !('f:template' in spec)) continue;
    const time = Date.parse(entry.time ?? '');
    if (!Number.isFinite(time)) return undefined;
    latest = latest === undefined ? time : Math.max(latest, time);
  }
  return latest;
}

/**
 * Is the target's current template the revision whose foreign hash the status recorded? Undefined
 * when the status holds no foreign hash (nothing to take over).
 */
export function recordedRevision(
  status: CanaryStatus | undefined,
  target: KubeObject,
  primaryRunsTarget: () => boolean,
): RecordedRevision | undefined {
  const recorded = foreignRevision(status);
  if (recorded === undefined) return undefined;
  if (SETTLED_PHASES.has(status?.phase ?? '') && primaryRunsTarget()) {
    return { recorded, adopt: true, reason: 'the primary runs the same pod template' };
  }
  const changed = templateChangedAt(target);
  const written = Date.parse(status?.lastTransitionTime ?? '');
  if (changed === undefined || !Number.isFinite(written)) {
    return { recorded, adopt: false, reason: 'when the pod template last changed cannot be told' };
  }
  const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  if (changed < written) {
    return {
      recorded,
      adopt: true,
      reason: `the pod template was last changed at ${at(changed)}, before the status was written at ${at(written)}`,
    };
  }
  return {
    recorded,
    adopt: false,
    reason: `the pod template changed at ${at(changed)}, after the status was written at ${at(written)}`,
  };
}
