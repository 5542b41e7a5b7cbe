/**
 * Initialization (spec §3.2 steps 9–14): the controller has created `<target>-primary`; once it is
 * ready the target is scaled to zero and the current revision becomes the promoted baseline.
 */
import * as text from './messages.js';
import { rollback } from './rollback.js';
import { skipsAnalysis } from './settings.js';
import type { Stage, Tick } from './tick.js';

/** One tick of a canary whose phase is '' or Initializing. */
export function initialize(tick: Tick): Stage {
  const primary = tick.observation.primary;
  // Flagger does not wait for the primary when analysis is skipped (its documented downtime window).
  if (!skipsAnalysis(tick.spec) && !primary.ready) {
    if (tick.phase === '') tick.draft.markInitializing();
    tick.warning(primary.reason);
    return primary.retriable ? 'done' : rollback(tick);
  }
  tick.act({ kind: 'scale-target', to: 'zero' });
  tick.draft.sync({ phase: 'Initialized' });
  tick.normal(text.initializationDone(tick.name, tick.namespace));
  tick.alert('info', text.alerts.initialized(tick.kind), true);
  return 'done';
}
