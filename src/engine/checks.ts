/**
 * Reading the controller's answers (spec §8.2): gates, rollback hooks, pre-rollout hooks and the
 * analysis. Each asks for its answer when the spec has something to run and none was given yet,
 * records the events Flagger records for each outcome, and reports the first failure.
 */
import type { CanaryWebhook, WebhookType } from '../api/index.js';
import * as text from './messages.js';
import type { CheckOutcome, GateType, Need } from './model.js';
import { hooksOf } from './settings.js';
import type { Tick } from './tick.js';

/** A failed check: the outcome and, for a hook, its spec entry. */
export interface Failure {
  readonly outcome: Extract<CheckOutcome, { ok: false }>;
  readonly hook: CanaryWebhook | undefined;
}

/** Result of a check: all passed, the first failure, or a question for the controller. */
export type CheckResult = 'pass' | Failure | Need;

const GATE_PASSED: Readonly<Record<GateType, (hook: string) => string>> = {
  'confirm-rollout': text.confirmRolloutPassed,
  'confirm-traffic-increase': text.confirmTrafficIncreasePassed,
  'confirm-promotion': text.confirmPromotionPassed,
};

/** Runs a gate: a Normal event per approving hook, then the first refusal if any. */
export function runGate(tick: Tick, gate: GateType): CheckResult {
  if (hooksOf(tick.spec, gate).length === 0) return 'pass';
  const outcomes = tick.answers.gates?.[gate];
  if (outcomes === undefined) return { kind: 'gate', gate };
  return firstFailure(tick, gate, outcomes, (name) => tick.normal(GATE_PASSED[gate](name)));
}

/** Should a rollback hook's 2xx answer roll the canary back? Records Flagger's per-hook events. */
export function rollbackRequested(tick: Tick): boolean | Need {
  if (hooksOf(tick.spec, 'rollback').length === 0) return false;
  const outcomes = tick.answers.rollbackHooks;
  if (outcomes === undefined) return { kind: 'rollback-hooks' };
  for (const outcome of outcomes) {
    // Inverted on purpose: a rollback hook that answers 2xx asks for the rollback.
    if (outcome.ok) {
      tick.warning(text.rollbackCheckPassed(outcome.name));
      return true;
    }
    tick.normal(text.rollbackHookNotSignaling(outcome.name));
  }
  return false;
}

/** Pre-rollout hooks, on the first analysis tick of a run; a failure is worded and counted by the caller. */
export function runPreRollout(tick: Tick): CheckResult {
  if (hooksOf(tick.spec, 'pre-rollout').length === 0) return 'pass';
  const outcomes = tick.answers.preRollout;
  if (outcomes === undefined) return { kind: 'pre-rollout' };
  return firstFailure(tick, 'pre-rollout', outcomes, (name) => tick.normal(text.preRolloutPassed(name)));
}

/** Rollout hooks then metrics; passing checks record nothing. */
export function runAnalysis(tick: Tick): CheckResult {
  const hooks = hooksOf(tick.spec, 'rollout');
  if (hooks.length === 0 && (tick.analysis.metrics ?? []).length === 0) return 'pass';
  const outcomes = tick.answers.analysis;
  if (outcomes === undefined) return { kind: 'analysis' };
  const index = outcomes.findIndex((outcome) => !outcome.ok);
  const failed = outcomes[index];
  if (failed === undefined || failed.ok) return 'pass';
  // The controller lists rollout hooks first, so a failure within their count is a hook's.
  return { outcome: failed, hook: index < hooks.length ? hooks[index] : undefined };
}

/** Words a failed analysis check as Flagger does and records it as a Warning. */
export function reportAnalysisFailure(tick: Tick, failure: Failure): void {
  const { outcome, hook } = failure;
  if (outcome.message !== undefined) tick.warning(outcome.message);
  else if (hook) tick.warning(text.haltExternalCheckFailed(tick.name, tick.namespace, hook.name, outcome.reason));
  else tick.warning(text.haltAdvancement(tick.name, tick.namespace, outcome.reason));
}

/** Is the refusing hook muted (`muteAlert`), so its "waiting for approval" alert is not sent? */
export function isMuted(failure: Failure): boolean {
  return failure.hook?.muteAlert === true;
}

function firstFailure(
  tick: Tick,
  type: WebhookType,
  outcomes: readonly CheckOutcome[],
  onPass: (name: string) => void,
): CheckResult {
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      const hook = hooksOf(tick.spec, type).find((candidate) => candidate.name === outcome.name);
      return { outcome, hook };
    }
    onPass(outcome.name);
  }
  return 'pass';
}
