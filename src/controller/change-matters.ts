import type { Canary } from '../api/index.js';
import type { Observation } from '../engine/model.js';

/** A watched change starts work only when it is a new revision or the canary is not initialized yet. */
export function changeMatters(canary: Canary, observation: Observation): boolean {
  const status = canary.status;
  const phase = status?.phase ?? '';
  if (phase === '' || phase === 'Initializing') return true;
  if (observation.revision.spec !== status?.lastAppliedSpec && observation.revision.spec !== status?.lastPromotedSpec) {
    return true;
  }
  const tracked = observation.revision.trackedConfigs ?? {};
  const known = status?.trackedConfigs ?? {};
  return (
    Object.keys(tracked).length !== Object.keys(known).length ||
    Object.entries(tracked).some(([k, v]) => known[k] !== v)
  );
}
