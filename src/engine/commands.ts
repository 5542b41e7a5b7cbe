/**
 * A person's requests to a running release (Serin; not in Flagger): `promote` skips the remaining
 * analysis, `abort` rolls back now, `retry` analyses the current revision again under the current
 * Canary spec — the seed's "relax the threshold, then `rollout restart` to re-run" without a restart.
 * The controller reads the request from the `serin.dev/command` annotation and removes it after the
 * tick; the tick does the request and nothing else.
 */
import type { CanaryCommand, Phase } from '../api/index.js';
import * as text from './messages.js';
import { hasRevisionChanged } from './revision.js';
import { rollback } from './rollback.js';
import { TOTAL_WEIGHT } from './settings.js';
import { startPromotion } from './stepping.js';
import type { Stage, Tick } from './tick.js';

/** Phases in which each command applies. */
const APPLIES: Readonly<Record<CanaryCommand, ReadonlySet<Phase>>> = {
  promote: new Set<Phase>(['Progressing', 'WaitingPromotion']),
  abort: new Set<Phase>(['Progressing', 'Waiting', 'WaitingPromotion']),
  retry: new Set<Phase>(['Progressing', 'WaitingPromotion', 'Failed']),
};

/**
 * Why `command` cannot apply to a canary in `phase`, worded with what to do instead; undefined when
 * it can. The CLI asks before it writes the annotation; the engine asks again when it acts.
 */
export function commandRefusal(command: CanaryCommand, phase: Phase): string | undefined {
  if (APPLIES[command].has(phase)) return undefined;
  switch (phase) {
    case '':
    case 'Initializing':
      return `the canary is not initialized yet (phase ${phase || 'none'}); there is no release to ${command}`;
    case 'Terminating':
    case 'Terminated':
      return `the canary is being deleted (phase ${phase})`;
    case 'Waiting':
      return `the release is waiting for its confirm-rollout gate and has not started; open the gate${command === 'promote' ? ' first' : ', or abort it'}`;
    case 'Promoting':
    case 'Finalising':
      return command === 'abort'
        ? `the primary already runs the new revision (phase ${phase}); to roll back, revert the workload to the previous version`
        : `the release is already being promoted (phase ${phase})`;
    case 'Failed':
      return command === 'promote'
        ? 'the release failed and was rolled back; `serin retry` analyses it again under the current spec'
        : 'the release already failed and was rolled back';
    default:
      return `no release is under way (phase ${phase}); there is nothing to ${command}`;
  }
}

/** Carries out `command` this tick (or says why it cannot); the tick does nothing else. */
export function runCommand(tick: Tick, command: CanaryCommand): Stage {
  const refusal = commandRefusal(command, tick.phase);
  if (refusal) return ignore(tick, command, refusal);
  switch (command) {
    case 'abort':
      tick.warning(text.abortRequested(tick.name, tick.namespace));
      tick.alert('warn', text.abortRequested(tick.name, tick.namespace));
      return rollback(tick);
    case 'promote':
      return promote(tick);
    case 'retry':
      return retry(tick);
  }
}

/** Skips the remaining analysis (and the confirm-promotion gate: the person is the confirmation). */
function promote(tick: Tick): Stage {
  const { canary, primary, routes } = tick.observation;
  if (!canary.ready) {
    return ignore(tick, 'promote', `${canary.reason}; a canary that is not ready is never promoted`);
  }
  if (!primary.ready) return ignore(tick, 'promote', `${primary.reason}; wait until the primary is ready`);
  if ('error' in routes) return ignore(tick, 'promote', `${routes.error}; try again when the routes can be read`);
  tick.normal(text.promoteRequested(tick.name, tick.namespace));
  tick.alert('info', text.promoteRequested(tick.name, tick.namespace));
  return startPromotion(tick);
}

/** Runs the analysis again from weight 0 under the current spec; no new revision, no pod restart. */
function retry(tick: Tick): Stage {
  if (tick.phase === 'Failed') {
    if (hasRevisionChanged(tick.status, tick.observation.revision)) {
      return ignore(tick, 'retry', 'the workload changed since the failed run; the new revision starts its own run');
    }
    tick.normal(text.retryFailed(tick.target, tick.namespace));
    tick.act({ kind: 'scale-target', to: 'up' });
    tick.draft.sync({ phase: 'Progressing' });
    return 'done';
  }
  tick.normal(text.retryRunning(tick.target, tick.namespace));
  tick.route(TOTAL_WEIGHT, 0);
  tick.draft.sync({ phase: 'Progressing' });
  return 'done';
}

function ignore(tick: Tick, command: CanaryCommand, why: string): Stage {
  tick.warning(text.commandIgnored(command, tick.name, tick.namespace, why));
  return 'done';
}
