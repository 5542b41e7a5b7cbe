/**
 * Traffic stepping (spec §3.8): the canary weight ladder, blue/green and A/B iterations, the
 * promotion gate, and moving traffic back to the primary while Promoting.
 */
import { isMuted, runGate } from './checks.js';
import * as text from './messages.js';
import type { Routes } from './model.js';
import { TOTAL_WEIGHT } from './settings.js';
import { isNeed, type Stage, type Tick } from './tick.js';
import { nextStepWeight, stepBack, stepUp } from './weights.js';

/** Phases in which the canary strategy does not ask confirm-traffic-increase hooks. */
const NO_TRAFFIC_GATE = new Set(['Promoting', 'WaitingPromotion', 'Finalising']);

/** Dispatches to the strategy in effect (§3.3 step 29). */
export function runStrategy(tick: Tick, routes: Routes): Stage {
  switch (tick.plan.strategy) {
    case 'ab-testing':
      return runAB(tick);
    case 'blue-green':
      return runBlueGreen(tick, routes);
    case 'canary':
      return runCanary(tick, routes);
  }
}

/** Canary strategy (§3.8.1): one weight step per tick up to `maxWeight`, then the promotion gate. */
function runCanary(tick: Tick, routes: Routes): Stage {
  const step = nextStepWeight(tick.spec, routes.canary);
  if (step <= 0) return 'done';
  if (!routes.mirrored && !NO_TRAFFIC_GATE.has(tick.phase)) {
    const gate = runGate(tick, 'confirm-traffic-increase');
    if (isNeed(gate)) return gate;
    if (gate !== 'pass') {
      tick.warning(text.haltWaitingTrafficIncrease(tick.name, tick.namespace, gate.outcome.name));
      if (!isMuted(gate)) tick.alert('warn', text.alerts.trafficIncreaseWaiting());
      return 'done';
    }
  }
  // Capped at maxWeight (Flagger overshoots: stepWeight 20 with maxWeight 50 goes 20, 40, 60): the
  // canary never gets more traffic than the user allowed before promotion.
  if (routes.canary < tick.maxWeight) {
    const stepped = weightStep(tick, routes, step);
    const canary = Math.min(stepped.canary, tick.maxWeight);
    const next = { ...stepped, canary, primary: TOTAL_WEIGHT - canary };
    tick.route(next.primary, next.canary, next.mirrored);
    tick.draft.setWeight(next.canary);
    tick.normal(text.advanceCanaryWeight(tick.name, tick.namespace, next.canary));
    return 'done';
  }
  const approved = confirmPromotion(tick);
  return approved === 'pass' ? startPromotion(tick) : approved;
}

/** The next routes: with `analysis.mirror`, weight 0 first mirrors for one tick, then steps. */
function weightStep(tick: Tick, routes: Routes, step: number): Routes {
  if (tick.analysis.mirror === true && routes.canary === 0) {
    return routes.mirrored
      ? { primary: TOTAL_WEIGHT - step, canary: step, mirrored: false }
      : { primary: TOTAL_WEIGHT, canary: 0, mirrored: true };
  }
  return { ...stepUp(routes.primary, routes.canary, step), mirrored: routes.mirrored };
}

/**
 * Blue/green (§3.8.2): N analysis ticks without production traffic on the canary (mirrored when
 * asked), then the promotion gate, one tick with all traffic on the canary, then promotion.
 */
function runBlueGreen(tick: Tick, routes: Routes): Stage {
  const total = tick.plan.iterations;
  const done = tick.iterations;
  const routable = tick.routing.weights;
  if (total > done) {
    if (routable && tick.analysis.mirror === true && !routes.mirrored) tick.route(TOTAL_WEIGHT, 0, true);
    tick.draft.setIterations(done + 1);
    tick.normal(text.advanceIteration(tick.name, tick.namespace, done + 1, total));
    return 'done';
  }
  const approved = confirmPromotion(tick);
  if (approved !== 'pass') return approved;
  if (total === done) {
    if (routable) {
      tick.normal(tick.analysis.mirror === true ? text.stopMirroringRouteAllToCanary() : text.routingAllToCanary());
      tick.route(0, TOTAL_WEIGHT);
    }
    tick.draft.setIterations(done + 1);
    return 'done';
  }
  return startPromotion(tick);
}

/** A/B testing (§3.8.3): matched requests go to the canary for N ticks, then the gate and promotion. */
function runAB(tick: Tick): Stage {
  const total = tick.plan.iterations;
  const done = tick.iterations;
  if (total > done) {
    tick.route(0, TOTAL_WEIGHT);
    tick.draft.setIterations(done + 1);
    tick.normal(text.advanceIteration(tick.name, tick.namespace, done + 1, total));
    return 'done';
  }
  const approved = confirmPromotion(tick);
  if (approved !== 'pass') return approved;
  return total === done ? startPromotion(tick) : 'done';
}

/**
 * The confirm-promotion gate (§3.10). A refusal enters WaitingPromotion once (event and alert), and
 * on later refusals only resets iterations to N−1, so blue/green repeats its last iteration.
 */
function confirmPromotion(tick: Tick): 'pass' | Stage {
  const gate = runGate(tick, 'confirm-promotion');
  if (gate === 'pass' || isNeed(gate)) return gate;
  // Serin: never below 0 (Flagger writes −1 for the canary strategy, which has no iterations).
  const waitingIterations = Math.max(0, tick.plan.iterations - 1);
  if (tick.phase !== 'WaitingPromotion') {
    tick.draft.setPhase('WaitingPromotion', waitingIterations);
    tick.warning(text.haltWaitingPromotionApproval(tick.name, tick.namespace, gate.outcome.name));
    if (!isMuted(gate)) tick.alert('warn', text.alerts.promotionWaiting());
  } else {
    tick.draft.setIterations(waitingIterations);
  }
  return 'done';
}

/** Copies the target's template to the primary and enters Promoting (the canary weight is kept). */
export function startPromotion(tick: Tick): Stage {
  tick.normal(text.copyingTemplate(tick.target, tick.namespace));
  tick.act({ kind: 'promote' });
  tick.draft.setPhase('Promoting');
  return 'done';
}

/**
 * Promoting (§3.8.4): all traffic back to the primary at once, or `stepWeightPromotion` per tick;
 * then Finalising. A provider without weights (`kubernetes`) finalises at once.
 */
export function shiftTrafficToPrimary(tick: Tick, routes: Routes): Stage {
  if (!tick.routing.weights) {
    tick.draft.setPhase('Finalising');
    return 'done';
  }
  const step = tick.analysis.stepWeightPromotion ?? 0;
  // Serin fix: Flagger does nothing when stepWeightPromotion > 0 and the canary weight is already 0
  // (A/B, or routes reset by hand), leaving the canary in Promoting forever. Finish at once instead.
  if (step === 0 || routes.canary === 0) {
    tick.normal(text.routingAllToPrimary());
    tick.route(TOTAL_WEIGHT, 0);
    tick.draft.setPhase('Finalising');
    return 'done';
  }
  const next = stepBack(routes.primary, routes.canary, step);
  tick.route(next.primary, next.canary);
  tick.normal(text.advancePrimaryWeight(tick.name, tick.namespace, next.primary));
  if (next.primary === TOTAL_WEIGHT) tick.draft.setPhase('Finalising');
  else tick.draft.setWeight(next.canary);
  return 'done';
}
