/**
 * The two ways a run fails (spec §3.7): rollback (traffic back to the primary, canary scaled down)
 * and failed promotion (the primary never became ready with the new template, so traffic goes to the
 * canary, which keeps serving).
 */
import * as text from './messages.js';
import { TOTAL_WEIGHT } from './settings.js';
import type { Stage, Tick } from './tick.js';

/**
 * Rollback (§3.7.1). The threshold event and alert appear only when failed checks reached the
 * threshold; rollbacks for a readiness deadline or a rollback hook carry only their own message.
 */
export function rollback(tick: Tick): Stage {
  if (tick.failedChecks >= tick.threshold) {
    tick.warning(text.rollingBackThreshold(tick.name, tick.namespace, tick.failedChecks));
    tick.alert('error', text.alerts.thresholdReached(tick.failedChecks));
  }
  tick.route(TOTAL_WEIGHT, 0);
  tick.warning(text.canaryFailed(tick.name, tick.namespace));
  tick.act({ kind: 'scale-target', to: 'zero' });
  tick.draft.sync({ phase: 'Failed', canaryWeight: 0 });
  tick.act({ kind: 'post-rollout', phase: 'Failed' });
  return 'done';
}

/** Failed promotion (§3.7.2): the primary is not ready, non-retriably, while Promoting or Finalising. */
export function failedPromotion(tick: Tick, error: string): Stage {
  tick.warning(text.promotionFailed(tick.target, tick.namespace, error));
  tick.alert('error', text.alerts.promotionFailed(error));
  tick.route(0, TOTAL_WEIGHT);
  tick.draft.sync({ phase: 'Failed', canaryWeight: TOTAL_WEIGHT });
  tick.act({ kind: 'post-rollout', phase: 'Failed' });
  return 'done';
}
