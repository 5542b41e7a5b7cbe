/**
 * The statistical judge in the analysis (Serin, `spec.analysis.judge`; docs/judge.md). A Canary
 * without a judge never reaches this code.
 *
 * - The first analysis tick of a run starts the judge: the controller reads the primary's last hour
 *   (`judge-start`), the core freezes the latency boundaries, φ and base rates from it, and the
 *   state goes to `status.judge`. Counts that cannot be read are a failed check, retried next tick.
 * - Every later tick judges the window since the last one (`judge-window`: both arms' counts over
 *   (`status.judge.time`, now], at the weight that was routed during it), writes the evidence, and
 *   decides: FAIL rolls back at once; ERROR is a failed check; PASS lets the step advance (or the
 *   promotion start); CONTINUE and HOLD keep the weight until `maxStepDuration` after the step
 *   began, then `onInconclusive` decides (fail: roll back, hold: wait for a person, promote: advance).
 *
 * A step begins when the routed weight changes: its start is the time of the window in which the new
 * weight was set. The split check skips a step's first window, which mixes the old and new weights. The state is plain JSON on the status, so a restarted operator goes on from it.
 */
import { judgeStatusOf, resolveCanaryJudge, type CanaryJudgeSettings, type CanaryJudgeStatus } from '../api/index.js';
import { judgeWindow, startJudge, type JudgeState } from '../judge/index.js';
import { goDurationMs } from './go-format.js';
import * as text from './messages.js';
import type { Routes } from './model.js';
import { rollback } from './rollback.js';
import type { Stage, Tick } from './tick.js';

/** The judge settings of the tick's spec, or undefined without a judge (an invalid one is refused before the engine runs). */
function settingsOf(tick: Tick): CanaryJudgeSettings | undefined {
  const resolved = resolveCanaryJudge(tick.analysis);
  return resolved?.ok ? resolved.value : undefined;
}

/**
 * First analysis tick of a run: starts the judge from the primary's counts before the rollout.
 * 'next' once started (the first step follows), 'done' after a failed check, or the question.
 */
export function startJudging(tick: Tick): Stage {
  const settings = settingsOf(tick);
  if (!settings) return 'next';
  const answer = tick.answers.judgeStart;
  if (answer === undefined) return { kind: 'judge-start', end: unixSeconds(tick.now) };
  if (!answer.ok) {
    tick.warning(text.judgeStartFailed(tick.name, tick.namespace, answer.message));
    tick.draft.setFailedChecks(tick.failedChecks + 1);
    return 'done';
  }
  const state = startJudge(settings.config, answer.pre);
  const at = new Date(tick.now).toISOString();
  tick.draft.setJudge({
    verdict: 'CONTINUE',
    reason: 'started: the first window is judged at the next analysis tick',
    time: at,
    signals: [],
    startedAt: at,
    stepStartedAt: at,
    stepWeight: 0,
    state: state as unknown as Record<string, unknown>,
  });
  tick.normal(text.judgeStarted(tick.name, tick.namespace, describeStart(settings, state), answer.notes.join('; ')));
  return 'next';
}

/**
 * A later analysis tick: judges the window since the last one and decides whether the weight may
 * move. 'next' lets the strategy step (PASS, or `onInconclusive: promote` after the time bound).
 */
export function judgeStep(tick: Tick, routes: Routes): Stage {
  const settings = settingsOf(tick);
  if (!settings) return 'next';
  const previous = tick.status?.judge;
  const state = previous?.state as JudgeState | undefined;
  // No state (a run taken over mid-way, or started before the judge was configured): start now and
  // hold this step's weight until a window has been judged.
  if (!previous || !state || !Array.isArray(state.signals)) {
    const started = startJudging(tick);
    return started === 'next' ? 'done' : started;
  }
  const at = new Date(tick.now).toISOString();
  const start = unixSeconds(Date.parse(previous.time));
  const end = unixSeconds(tick.now);
  // Mirrored requests are copies, not the canary's share: that window is not judged.
  if (routes.mirrored) {
    tick.draft.setJudge({ ...previous, time: at });
    return 'next';
  }
  // A second reconcile within the same second has no window to judge: the weight waits for one.
  if (end <= start) return 'done';
  const window = tick.answers.judgeWindow;
  if (window === undefined) return { kind: 'judge-window', start, end, canaryWeight: routes.canary };

  const newStep = routes.canary !== previous.stepWeight;
  // The first window at a new weight mixes the old and the new split (the router takes the weight
  // moments after it is written, Prometheus scrapes with a lag): the split check starts with the next.
  const config = newStep && settings.config.split ? { ...settings.config, split: null } : settings.config;
  const outcome = judgeWindow(config, state, window);
  const stepStartedAt = newStep ? previous.time : (previous.stepStartedAt ?? previous.time);
  const status: CanaryJudgeStatus = {
    ...judgeStatusOf(outcome, at),
    ...(previous.startedAt ? { startedAt: previous.startedAt } : {}),
    stepStartedAt,
    stepWeight: routes.canary,
  };
  tick.draft.setJudge(status);
  switch (outcome.verdict) {
    case 'FAIL':
      tick.warning(text.judgeFailed(tick.name, tick.namespace, outcome.reason));
      tick.alert('error', text.alerts.judgeFailed(outcome.reason));
      return rollback(tick);
    case 'ERROR':
      tick.warning(text.judgeError(tick.name, tick.namespace, outcome.reason));
      tick.draft.setFailedChecks(tick.failedChecks + 1);
      return 'done';
    case 'PASS':
      if (previous.verdict !== 'PASS') tick.normal(text.judgePassed(tick.name, tick.namespace, outcome.reason));
      return 'next';
    case 'HOLD':
    case 'CONTINUE': {
      const waited = tick.now - Date.parse(stepStartedAt);
      if (waited < settings.maxStepDurationMs) {
        if (outcome.verdict === 'HOLD') {
          tick.warning(text.judgeHold(tick.name, tick.namespace, routes.canary, outcome.reason));
        } else {
          tick.normal(text.judgeWaiting(tick.name, tick.namespace, routes.canary, outcome.reason));
        }
        return 'done';
      }
      return inconclusive(tick, settings, outcome.reason);
    }
  }
}

/** A step that reached `maxStepDuration` without a decision: as `onInconclusive` says. */
function inconclusive(tick: Tick, settings: CanaryJudgeSettings, reason: string): Stage {
  const limit = goDurationMs(settings.maxStepDurationMs);
  switch (settings.onInconclusive) {
    case 'hold':
      tick.warning(text.judgeTimedOutHold(tick.name, tick.namespace, limit));
      return 'done';
    case 'promote':
      tick.warning(text.judgeTimedOutPromote(tick.name, tick.namespace, limit));
      return 'next';
    case 'fail':
      tick.warning(text.judgeTimedOutFail(tick.name, tick.namespace, limit, reason));
      tick.alert('error', text.alerts.judgeInconclusive(limit));
      return rollback(tick);
  }
}

/** "error-ratio (φ = 1.5: …), latency-tail (boundary 0.25, φ = 1.2: …), traffic split; false-rollback budget 1%". */
function describeStart(settings: CanaryJudgeSettings, state: JudgeState): string {
  const signals = state.signals.map((s) => {
    const parts = [
      ...(s.boundary ? [`boundary ${s.boundary.le}`] : []),
      s.phiReason || `φ ${round(s.phi)}`,
      ...(s.problem ? [`cannot be judged: ${s.problem.message}`] : []),
    ];
    return `${s.name} (${parts.join(', ')})`;
  });
  if (settings.config.split) signals.push('traffic split');
  return `${signals.join(', ')}; false-rollback budget ${round(settings.config.alpha * 100)}%`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
