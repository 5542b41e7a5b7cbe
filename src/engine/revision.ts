/**
 * Revision detection (spec §3.4): has the target's template, or a ConfigMap/Secret it uses, changed
 * since the status last recorded it? Hashes are opaque strings compared for equality only.
 */
import type { CanaryStatus } from '../api/index.js';
import type { Observation } from './model.js';

/**
 * Flagger's `HasTargetChanged`: no recorded revision → changed; the observed revision is the last
 * promoted one → not changed (a manual rollback to the promoted spec starts nothing); else changed
 * iff it differs from the last applied one.
 */
export function hasSpecChanged(status: CanaryStatus | undefined, revision: Observation['revision']): boolean {
  const applied = status?.lastAppliedSpec ?? '';
  if (applied === '') return true;
  if (revision.spec === status?.lastPromotedSpec) return false;
  return revision.spec !== applied;
}

/**
 * Flagger's `HaveDependenciesChanged`. `observed` undefined means config tracking is off: never a
 * change. Otherwise: nothing found and nothing tracked → no change; found but nothing tracked →
 * change; a different count or any different checksum → change.
 */
export function haveConfigsChanged(
  tracked: Readonly<Record<string, string>> | undefined,
  observed: Readonly<Record<string, string>> | undefined,
): boolean {
  if (observed === undefined) return false;
  const found = Object.entries(observed);
  if (tracked === undefined) return found.length > 0;
  if (found.length !== Object.keys(tracked).length) return true;
  return found.some(([key, checksum]) => tracked[key] !== checksum);
}

/** Is the observed revision (template or configs) a new one for this status? */
export function hasRevisionChanged(status: CanaryStatus | undefined, revision: Observation['revision']): boolean {
  return hasSpecChanged(status, revision) || haveConfigsChanged(status?.trackedConfigs, revision.trackedConfigs);
}
