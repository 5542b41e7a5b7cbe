/**
 * The engine's entry point: one tick of one canary, as a pure function (spec §3). The controller
 * has already reconciled the idempotent infrastructure and handled `spec.suspend`.
 */
import { advance } from './advance.js';
import { runCommand } from './commands.js';
import { initialize } from './initialize.js';
import type { StepInput, StepResult } from './model.js';
import { hasRevisionChanged } from './revision.js';
import { isNeed, Tick, type Stage } from './tick.js';

/** Phases in which every tick is active, change or not (Flagger's `shouldAdvance`). */
const ACTIVE = new Set(['Progressing', 'Waiting', 'WaitingPromotion', 'Promoting', 'Finalising']);

/**
 * Decides one tick: the next status, the actions and the events; or, when a decision depends on
 * hooks or metrics not yet run, the next `need` in Flagger's order. Deterministic: calling it again
 * with the answer added replays the same decisions up to the next question.
 */
export function step(input: StepInput): StepResult {
  const tick = new Tick(input);
  const stage = run(tick);
  return isNeed(stage) ? { kind: 'need', need: stage } : tick.decision();
}

function run(tick: Tick): Stage {
  if (tick.command) return runCommand(tick, tick.command);
  if (tick.phase === '' || tick.phase === 'Initializing') return initialize(tick);
  // Serin: a canary being deleted starts no run; the finalizer owns it (Flagger would still advance).
  if (tick.phase === 'Terminating' || tick.phase === 'Terminated') return 'done';
  return shouldAdvance(tick) ? advance(tick) : 'done';
}

/** Step 15: runs under way always advance; otherwise only a new revision does. */
function shouldAdvance(tick: Tick): boolean {
  if (ACTIVE.has(tick.phase)) return true;
  const changed = hasRevisionChanged(tick.status, tick.observation.revision);
  // A Failed canary records the revision it now runs, so that after a manual rollback to the
  // promoted spec, re-applying the failed revision counts as new. Serin does it only when it is not
  // a new revision (a new one is recorded when its run starts) and only when something changes.
  if (tick.phase === 'Failed' && !changed) {
    tick.draft.sync({
      phase: 'Failed',
      canaryWeight: tick.status?.canaryWeight ?? 0,
      failedChecks: tick.failedChecks,
      iterations: tick.iterations,
    });
  }
  return changed;
}
