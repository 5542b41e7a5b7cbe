/**
 * The active tick (spec §3.3 steps 16–29), as a list of stages run in Flagger's order. Each stage
 * either lets the tick go on, decides it, or asks the controller for a missing answer.
 */
import {
  reportAnalysisFailure,
  rollbackRequested,
  runAnalysis,
  runGate,
  runPreRollout,
  isMuted,
  type CheckResult,
} from './checks.js';
import * as text from './messages.js';
import type { Routes } from './model.js';
import { hasRevisionChanged } from './revision.js';
import { failedPromotion, rollback } from './rollback.js';
import { skipsAnalysis, TOTAL_WEIGHT } from './settings.js';
import { runStrategy, shiftTrafficToPrimary } from './stepping.js';
import { judgeStep, startJudging } from './judging.js';
import { isNeed, type Stage, type Tick } from './tick.js';

type ActiveStage = (tick: Tick, routes: Routes) => Stage;

/** Phases in which a run is under way (no confirm-rollout gate). */
const RUNNING = new Set(['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising']);

/** One active tick: the canary has a run under way, or a new revision was detected. */
export function advance(tick: Tick): Stage {
  const primary = checkPrimary(tick);
  if (primary !== 'next') return primary;
  const routes = tick.observation.routes;
  if ('error' in routes) {
    tick.warning(routes.error);
    return 'done';
  }
  for (const stage of STAGES) {
    const result = stage(tick, routes);
    if (result !== 'next') return result;
  }
  return 'done';
}

/** Step 16: the primary must be ready (not checked when analysis is skipped). */
function checkPrimary(tick: Tick): Stage {
  const primary = tick.observation.primary;
  if (skipsAnalysis(tick.spec) || primary.ready) return 'next';
  tick.warning(primary.reason);
  if (primary.retriable) return 'done';
  const promoting = tick.phase === 'Promoting' || tick.phase === 'Finalising';
  return promoting ? failedPromotion(tick, primary.reason) : rollback(tick);
}

/** Step 18: a new revision waits for confirm-rollout, then scales the target up; analysis starts next tick. */
const startRun: ActiveStage = (tick) => {
  if (RUNNING.has(tick.phase)) return 'next';
  const gate = runGate(tick, 'confirm-rollout');
  if (isNeed(gate)) return gate;
  if (gate !== 'pass') {
    if (tick.phase !== 'Waiting') {
      tick.draft.setPhase('Waiting');
      tick.warning(text.haltWaitingApproval(tick.name, tick.namespace, gate.outcome.name));
      if (!isMuted(gate)) tick.alert('warn', text.alerts.waitingApproval());
    }
    return 'done';
  }
  tick.normal(text.newRevisionScalingUp(tick.target, tick.namespace));
  tick.alert('info', text.alerts.newRevision(), true);
  tick.act({ kind: 'scale-target', to: 'up' });
  tick.draft.sync({ phase: 'Progressing' });
  return 'done';
};

/** Step 19: the target changed during the run: start over at weight 0 (no gate, no scaling). */
const restartOnNewRevision: ActiveStage = (tick) => {
  if (tick.phase !== 'Progressing' && tick.phase !== 'WaitingPromotion') return 'next';
  if (!hasRevisionChanged(tick.status, tick.observation.revision)) return 'next';
  tick.normal(text.newRevisionRestarting(tick.target, tick.namespace));
  tick.route(TOTAL_WEIGHT, 0);
  tick.draft.sync({ phase: 'Progressing' });
  return 'done';
};

/** Step 20: the canary must be ready; past its deadline the run is rolled back. */
const checkCanary: ActiveStage = (tick) => {
  const canary = tick.observation.canary;
  if (canary.ready) return 'next';
  tick.warning(canary.reason);
  return canary.retriable ? 'done' : rollback(tick);
};

/** Step 21 (§3.9): skipAnalysis promotes the ready canary at once. */
const promoteWithoutAnalysis: ActiveStage = (tick) => {
  if (!skipsAnalysis(tick.spec)) return 'next';
  tick.route(TOTAL_WEIGHT, 0);
  tick.normal(text.copyingTemplate(tick.target, tick.namespace));
  tick.act({ kind: 'promote' });
  if (tick.spec.autoscalerRef) tick.act({ kind: 'sync-primary-scaler' });
  tick.act({ kind: 'scale-target', to: 'zero' });
  tick.draft.setPhase('Succeeded');
  tick.act({ kind: 'post-rollout', phase: 'Succeeded' });
  tick.normal(text.promotionCompletedSkipped(tick.target, tick.namespace));
  tick.alert('info', text.alerts.skippedPromotionFinished());
  return 'done';
};

/** Step 22: a rollback hook answering 2xx rolls the run back. */
const rollbackHooks: ActiveStage = (tick) => {
  if (!['Progressing', 'Waiting', 'WaitingPromotion'].includes(tick.phase)) return 'next';
  const requested = rollbackRequested(tick);
  if (isNeed(requested)) return requested;
  if (!requested) return 'next';
  tick.warning(text.rollingBackManualWebhook(tick.name, tick.namespace));
  tick.alert('warn', text.alerts.rollingBackManual());
  return rollback(tick);
};

/** Step 23: Promoting syncs the primary's autoscaler and moves traffic back to the primary. */
const promoting: ActiveStage = (tick, routes) => {
  if (tick.phase !== 'Promoting') return 'next';
  if (tick.spec.autoscalerRef) tick.act({ kind: 'sync-primary-scaler' });
  return shiftTrafficToPrimary(tick, routes);
};

/** Step 24: Finalising scales the target down and ends the run as Succeeded. */
const finalising: ActiveStage = (tick) => {
  if (tick.phase !== 'Finalising') return 'next';
  tick.act({ kind: 'scale-target', to: 'zero' });
  tick.draft.setPhase('Succeeded');
  tick.act({ kind: 'post-rollout', phase: 'Succeeded' });
  tick.normal(text.promotionCompleted(tick.target, tick.namespace));
  tick.alert('info', text.alerts.promotionFinished());
  return 'done';
};

/** Step 25: failed checks (counted over the whole run, not consecutively) reached the threshold. */
const thresholdReached: ActiveStage = (tick) => {
  const running = tick.phase === 'Progressing' || tick.phase === 'WaitingPromotion';
  return running && tick.failedChecks >= tick.threshold ? rollback(tick) : 'next';
};

/** Step 27: pre-rollout hooks on the first tick of a run, the analysis on the others; one failure per tick. */
const runChecks: ActiveStage = (tick, routes) => {
  const mirroring = tick.analysis.mirror === true && routes.mirrored;
  const firstTick = routes.canary === 0 && tick.iterations === 0 && !mirroring;
  let result: CheckResult;
  if (firstTick) {
    tick.normal(text.startingAnalysis(tick.target, tick.namespace));
    result = runPreRollout(tick);
  } else {
    result = runAnalysis(tick);
  }
  if (isNeed(result)) return result;
  // The statistical judge, after Flagger's checks passed: started on the first tick, then each window.
  if (result === 'pass') return firstTick ? startJudging(tick) : judgeStep(tick, routes);
  if (firstTick) {
    const { outcome } = result;
    tick.warning(text.haltPreRolloutFailed(tick.name, tick.namespace, outcome.name, outcome.reason));
  } else {
    reportAnalysisFailure(tick, result);
  }
  tick.draft.setFailedChecks(tick.failedChecks + 1);
  return 'done';
};

/** Step 28: a provider that cannot route by header or weight (`kubernetes`); Flagger says so every tick. */
const providerAdjustments: ActiveStage = (tick) => {
  const { droppedMatch, forcedIterations } = tick.plan.adjusted;
  if (droppedMatch) tick.warning(text.abNotSupported(tick.routing.provider));
  if (forcedIterations) {
    tick.warning(text.progressiveNotSupported(tick.routing.provider));
    tick.warning(text.settingIterations10());
  }
  return 'next';
};

/** Steps 18–29 after the routes are known, in Flagger's order. */
const STAGES: readonly ActiveStage[] = [
  startRun,
  restartOnNewRevision,
  checkCanary,
  promoteWithoutAnalysis,
  rollbackHooks,
  promoting,
  finalising,
  thresholdReached,
  runChecks,
  providerAdjustments,
  runStrategy,
];
