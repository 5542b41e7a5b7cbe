/**
 * Every Kubernetes Event, alert and condition text the engine (and the controller around it) writes,
 * worded exactly as Flagger words them (spec §1.1.8, §3, §8.2, §10). One place, so the simulate and
 * end-to-end tests can compare event sequences and a wording change is one reviewed diff.
 * `{name}` is the Canary's name, `{target}` the workload's (`spec.targetRef.name`).
 */
import type { Phase } from '../api/index.js';
import { goDurationMs, goFixed2, goFloat } from './go-format.js';

const dot = (name: string, ns: string): string => `${name}.${ns}`;

/** Normal, every tick of a suspended canary (recorded by the controller). */
export const suspendedMessage = (): string => 'skipping canary run as object is suspended';

/** Normal, every tick of a canary paused with `serin pause` (Serin; not in Flagger). */
export const pausedMessage = (): string =>
  'skipping canary run as object is paused (serin.dev/paused); `serin resume` continues it';

// --- initialization ------------------------------------------------------------------------------

/** Normal, when the primary is ready and the canary is initialized. */
export const initializationDone = (name: string, ns: string): string => `Initialization done! ${dot(name, ns)}`;

/**
 * Warning, primary not ready: worded by the target (the engine records `Readiness.reason` verbatim);
 * DaemonSets are worded differently by Flagger's DaemonSet controller.
 */
export function primaryNotReady(kind: string, target: string, ns: string, reason: string): string {
  if (kind === 'DaemonSet') return `primary daemonset ${target}-primary.${ns} not ready: ${reason}`;
  return `${target}-primary.${ns} not ready: ${reason}`;
}

/** Warning, canary not ready, worded by the target (`damonset` [sic] is Flagger's spelling). */
export function canaryNotReady(kind: string, target: string, ns: string, retriable: boolean, reason: string): string {
  if (kind === 'DaemonSet')
    return `canary damonset ${dot(target, ns)} not ready with retryable ${retriable}: ${reason}`;
  return `canary deployment ${dot(target, ns)} not ready: ${reason}`;
}

/** Warning, when scaling the target to zero during initialization fails (recorded by the controller). */
export const scalingDownFailed = (kind: string, target: string, ns: string, error: string): string =>
  `scaling down canary ${kind} ${dot(target, ns)} failed: ${error}`;

/** Normal, the metrics providers answered during initialization (recorded by the controller). */
export const metricProvidersAvailable = (): string => 'all the metrics providers are available!';

/** Warning, a metrics provider did not answer during initialization (recorded by the controller). */
export const metricProvidersError = (error: string): string => `Error checking metric providers: ${error}`;

// --- starting, restarting and advancing a run ----------------------------------------------------

/** Normal, a new revision is approved and the target is scaled up. */
export const newRevisionScalingUp = (target: string, ns: string): string =>
  `New revision detected! Scaling up ${dot(target, ns)}`;

/** Normal, the target changed during a run, which starts over. */
export const newRevisionRestarting = (target: string, ns: string): string =>
  `New revision detected! Restarting analysis for ${dot(target, ns)}`;

/** Normal, first analysis tick of a run (before the pre-rollout hooks). */
export const startingAnalysis = (target: string, ns: string): string =>
  `Starting canary analysis for ${dot(target, ns)}`;

/** Normal, canary strategy stepped its weight. */
export const advanceCanaryWeight = (name: string, ns: string, weight: number): string =>
  `Advance ${dot(name, ns)} canary weight ${weight}`;

/** Normal, blue/green or A/B counted an iteration. */
export const advanceIteration = (name: string, ns: string, iteration: number, total: number): string =>
  `Advance ${dot(name, ns)} canary iteration ${iteration}/${total}`;

/** Normal, gradual promotion moved weight back to the primary. */
export const advancePrimaryWeight = (name: string, ns: string, weight: number): string =>
  `Advance ${dot(name, ns)} primary weight ${weight}`;

/** Normal, before the target's template is copied to the primary. */
export const copyingTemplate = (target: string, ns: string): string =>
  `Copying ${dot(target, ns)} template spec to ${target}-primary.${ns}`;

/** Normal, promotion routes everything back to the primary at once. */
export const routingAllToPrimary = (): string => 'Routing all traffic to primary';

/** Normal, blue/green's last iteration routes everything to the canary. */
export const routingAllToCanary = (): string => 'Routing all traffic to canary';

/** Normal, blue/green with mirroring: the last iteration ends mirroring and routes to the canary. */
export const stopMirroringRouteAllToCanary = (): string => 'Stop traffic mirroring and route all traffic to canary';

/** Normal, the run succeeded and the target is scaled down. */
export const promotionCompleted = (target: string, ns: string): string =>
  `Promotion completed! Scaling down ${dot(target, ns)}`;

/** Normal, skipAnalysis promoted the revision. */
export const promotionCompletedSkipped = (target: string, ns: string): string =>
  `Promotion completed! Canary analysis was skipped for ${dot(target, ns)}`;

// --- hooks ---------------------------------------------------------------------------------------

/** Normal, one confirm-rollout hook approved. */
export const confirmRolloutPassed = (hook: string): string => `Confirm-rollout check ${hook} passed`;
/** Normal, one pre-rollout hook passed. */
export const preRolloutPassed = (hook: string): string => `Pre-rollout check ${hook} passed`;
/** Normal, one confirm-traffic-increase hook approved. */
export const confirmTrafficIncreasePassed = (hook: string): string => `Confirm-traffic-increase check ${hook} passed`;
/** Normal, one confirm-promotion hook approved. */
export const confirmPromotionPassed = (hook: string): string => `Confirm-promotion check ${hook} passed`;
/** Normal, one post-rollout hook passed (recorded by the controller). */
export const postRolloutPassed = (hook: string): string => `Post-rollout check ${hook} passed`;
/** Warning, one post-rollout hook failed; later ones are not called (recorded by the controller). */
export const postRolloutFailed = (hook: string, error: string): string => `Post-rollout hook ${hook} failed ${error}`;
/** Normal, a rollback hook answered non-2xx: no rollback asked. */
export const rollbackHookNotSignaling = (hook: string): string => `Rollback hook ${hook} not signaling a rollback`;
/** Warning, a rollback hook answered 2xx: rollback asked. */
export const rollbackCheckPassed = (hook: string): string => `Rollback check ${hook} passed`;

/** Warning, a confirm-rollout hook said no (on entering Waiting). */
export const haltWaitingApproval = (name: string, ns: string, hook: string): string =>
  `Halt ${dot(name, ns)} advancement waiting for approval ${hook}`;
/** Warning, a confirm-promotion hook said no (on entering WaitingPromotion). */
export const haltWaitingPromotionApproval = (name: string, ns: string, hook: string): string =>
  `Halt ${dot(name, ns)} advancement waiting for promotion approval ${hook}`;
/** Warning, a confirm-traffic-increase hook said no (every tick it does). */
export const haltWaitingTrafficIncrease = (name: string, ns: string, hook: string): string =>
  `Halt ${dot(name, ns)} advancement waiting for traffic increase approval ${hook}`;
/** Warning, a pre-rollout hook failed (counts as a failed check). */
export const haltPreRolloutFailed = (name: string, ns: string, hook: string, error: string): string =>
  `Halt ${dot(name, ns)} advancement pre-rollout check ${hook} failed ${error}`;
/** Warning, a rollout hook failed (counts as a failed check). */
export const haltExternalCheckFailed = (name: string, ns: string, hook: string, error: string): string =>
  `Halt ${dot(name, ns)} advancement external check ${hook} failed ${error}`;
/** Warning, a metric check failed; `reason` comes from `judgeMetric`. */
export const haltAdvancement = (name: string, ns: string, reason: string): string =>
  `Halt ${dot(name, ns)} advancement ${reason}`;

// --- metric checks (spec §7.5): `reason`s complete `haltAdvancement`, the rest are whole events ---

/** Metric texts; numbers are printed with Go's `%.2f` (measured) and `%v` (bounds), durations Go-style. */
export const metricTexts = {
  successRateBelow: (value: number, min: number): string => `success rate ${goFixed2(value)}% < ${goFloat(min)}%`,
  successRateAbove: (value: number, max: number): string => `success rate ${goFixed2(value)}% > ${goFloat(max)}%`,
  durationBelow: (ms: number, minMs: number): string => `request duration ${goDurationMs(ms)} < ${goDurationMs(minMs)}`,
  durationAbove: (ms: number, maxMs: number): string => `request duration ${goDurationMs(ms)} > ${goDurationMs(maxMs)}`,
  valueBelow: (metric: string, value: number, min: number): string => `${metric} ${goFixed2(value)} < ${goFloat(min)}`,
  valueAbove: (metric: string, value: number, max: number): string => `${metric} ${goFixed2(value)} > ${goFloat(max)}`,
  /** Serin: an infinite value fails instead of passing a one-sided range. */
  notFinite: (metric: string, value: number): string => `${metric} ${goFloat(value)} is not a finite number`,
  /** Short reason when no data came back (the event is one of the `noData…` texts when known). */
  noValues: (metric: string): string => `no values found for metric ${metric}`,
  noDataSuccessRate: (provider: string, target: string, ns: string, error: string): string =>
    `Halt advancement no values found for ${provider} metric request-success-rate probably ${dot(target, ns)} is not receiving traffic: ${error}`,
  noDataDuration: (provider: string, target: string, ns: string): string =>
    `Halt advancement no values found for ${provider} metric request-duration probably ${dot(target, ns)} is not receiving traffic`,
  noDataQuery: (metric: string): string => `Halt advancement no values found for metric: ${metric}`,
  noDataTemplate: (metric: string, error: string): string =>
    `Halt advancement no values found for custom metric: ${metric}: ${error}`,
  /** Short reason when the query failed. */
  queryFailed: (metric: string, error: string): string => `${metric} query failed: ${error}`,
  builtinQueryFailed: (error: string): string => `Prometheus query failed: ${error}`,
  inlineQueryFailed: (metric: string, error: string): string => `Prometheus query failed for ${metric}: ${error}`,
  templateQueryFailed: (metric: string, error: string): string => `Metric query failed for ${metric}: ${error}`,
} as const;

// --- rollback and failure ------------------------------------------------------------------------

/** Warning, a rollback hook asked for a rollback. */
export const rollingBackManualWebhook = (name: string, ns: string): string =>
  `Rolling back ${dot(name, ns)} manual webhook invoked`;
/** Warning, failed checks reached the threshold. */
export const rollingBackThreshold = (name: string, ns: string, failedChecks: number): string =>
  `Rolling back ${dot(name, ns)} failed checks threshold reached ${failedChecks}`;
/** Warning, every rollback ends with this. */
export const canaryFailed = (name: string, ns: string): string => `Canary failed! Scaling down ${dot(name, ns)}`;
/** Warning, the primary never became ready after promotion. */
export const promotionFailed = (target: string, ns: string, error: string): string =>
  `Promotion of ${dot(target, ns)} failed, primary not ready: ${error}`;

// --- taking over from Go Flagger (Serin; not in Flagger) -------------------------------------------

/** Normal, once: the revision Go Flagger recorded is the current template, so no new analysis starts. */
export const tookOverRevision = (name: string, ns: string, recorded: string, hash: string, why: string): string =>
  `Took over ${dot(name, ns)} from Flagger: its revision ${recorded} is the current pod template (${why}); recorded as ${hash}, no new analysis`;
/** Normal, once: the revision Go Flagger recorded is not the current template, which is analysed as a new revision. */
export const foreignRevisionChanged = (name: string, ns: string, recorded: string, why: string): string =>
  `Took over ${dot(name, ns)} from Flagger: its revision ${recorded} is not the current pod template (${why}); analysing it as a new revision`;

// --- commands: serin promote / abort / retry (Serin; not in Flagger) ---------------------------

/** Normal, `serin promote`: the remaining analysis is skipped and the promotion starts. */
export const promoteRequested = (name: string, ns: string): string =>
  `Promotion of ${dot(name, ns)} requested (serin.dev/command=promote): skipping the remaining analysis`;
/** Warning, `serin abort`: the run is rolled back; `canaryFailed` follows. */
export const abortRequested = (name: string, ns: string): string =>
  `Rolling back ${dot(name, ns)} aborted (serin.dev/command=abort)`;
/** Normal, `serin retry` on a failed run: the same revision is analysed again under the current spec. */
export const retryFailed = (target: string, ns: string): string =>
  `Retrying ${dot(target, ns)} with the current Canary spec (serin.dev/command=retry): scaling up`;
/** Normal, `serin retry` during a run: the analysis starts over at weight 0 under the current spec. */
export const retryRunning = (target: string, ns: string): string =>
  `Restarting analysis of ${dot(target, ns)} with the current Canary spec (serin.dev/command=retry)`;
/** Warning, a `serin.dev/command` value Serin does not know (the annotation is removed). */
export const commandUnknown = (value: string): string =>
  `Ignoring serin.dev/command=${value}: not a command; use promote, abort or retry`;
/** Warning, a command that cannot apply now; `why` says what the user can do instead. */
export const commandIgnored = (command: string, name: string, ns: string, why: string): string =>
  `Ignoring serin.dev/command=${command} on ${dot(name, ns)}: ${why}`;

// --- the statistical judge (Serin, spec.analysis.judge; not in Flagger) ---------------------------

/** Normal, first analysis tick: the judge froze what it needs from the primary's last hour. */
export const judgeStarted = (name: string, ns: string, signals: string, notes: string): string =>
  `Judging ${dot(name, ns)} against its primary: ${signals}${notes ? `; ${notes}` : ''}`;
/** Warning, counted as a failed check: the primary's history could not be read. */
export const judgeStartFailed = (name: string, ns: string, message: string): string =>
  `Halt ${dot(name, ns)} advancement: the judge cannot read the primary's counts before the rollout: ${message}`;
/** Normal, each window without a decision: the weight is held. */
export const judgeWaiting = (name: string, ns: string, weight: number, reason: string): string =>
  `Holding ${dot(name, ns)} at weight ${weight} until the judge decides: ${reason}`;
/** Normal, the window where every judged signal first passes. */
export const judgePassed = (name: string, ns: string, reason: string): string =>
  `Judge passed ${dot(name, ns)}: ${reason}`;
/** Warning, the canary is shown worse than the primary: the run is rolled back at once. */
export const judgeFailed = (name: string, ns: string, reason: string): string =>
  `Rolling back ${dot(name, ns)}: the judge found the canary worse than the primary: ${reason}`;
/** Warning, counted as a failed check: the window's counts could not be read or compared. */
export const judgeError = (name: string, ns: string, reason: string): string =>
  `Halt ${dot(name, ns)} advancement: the judge could not count this window: ${reason}`;
/** Warning, the split check: the canary does not receive its weight; the weight is held. */
export const judgeHold = (name: string, ns: string, weight: number, reason: string): string =>
  `Holding ${dot(name, ns)} at weight ${weight}: the canary does not receive its share of requests: ${reason}`;
/** Warning, `onInconclusive: fail`: no decision within maxStepDuration; the run is rolled back. */
export const judgeTimedOutFail = (name: string, ns: string, limit: string, reason: string): string =>
  `Rolling back ${dot(name, ns)}: insufficient evidence, no decision within maxStepDuration ${limit} (onInconclusive: fail): ${reason}`;
/** Warning, `onInconclusive: hold`: the weight stays until a person decides. */
export const judgeTimedOutHold = (name: string, ns: string, limit: string): string =>
  `Holding ${dot(name, ns)}: no decision within maxStepDuration ${limit} (onInconclusive: hold); run serin promote or serin abort`;
/** Warning, `onInconclusive: promote`: the step advances without a decision, as the spec accepts. */
export const judgeTimedOutPromote = (name: string, ns: string, limit: string): string =>
  `Advancing ${dot(name, ns)} without a decision after maxStepDuration ${limit} (onInconclusive: promote accepts the risk)`;

// --- providers that cannot do what the spec asks (Flagger: the kubernetes provider) --------------

/** Warning, the provider cannot route by match, so `analysis.match` is ignored. */
export const abNotSupported = (provider: string): string =>
  `A/B testing is not supported when using the ${provider} provider`;
/** Warning, the provider cannot shift weights. */
export const progressiveNotSupported = (provider: string): string =>
  `Progressive traffic is not supported when using the ${provider} provider`;
/** Warning, follows the previous one: blue/green with 10 iterations instead. */
export const settingIterations10 = (): string => 'Setting canaryAnalysis.iterations: 10';

// --- deletion (recorded by the controller's finalizer) -------------------------------------------

/** Normal, deletion with `revertOnDeletion` started. */
export const terminatingCanary = (name: string, ns: string): string => `Terminating canary ${dot(name, ns)}`;
/** Normal, deletion with `revertOnDeletion` finished. */
export const terminatedCanary = (name: string, ns: string): string => `Terminated canary ${dot(name, ns)}`;

// --- alerts (spec §10.3) -------------------------------------------------------------------------

/** Alerts, worded as Flagger sends them; severity and metadata are given where they are raised. */
export const alerts = {
  initialized: (kind: string): string => `New ${kind} detected, initialization completed.`,
  newRevision: (): string => 'New revision detected, progressing canary analysis.',
  waitingApproval: (): string => 'Canary is waiting for approval.',
  trafficIncreaseWaiting: (): string => 'Canary traffic increase is waiting for approval.',
  promotionWaiting: (): string => 'Canary promotion is waiting for approval.',
  rollingBackManual: (): string => 'Rolling back manual webhook invoked',
  thresholdReached: (failedChecks: number): string => `Failed checks threshold reached ${failedChecks}`,
  promotionFailed: (error: string): string => `Promotion failed, primary not ready: ${error}`,
  promotionFinished: (): string => 'Canary analysis completed successfully, promotion finished.',
  skippedPromotionFinished: (): string => 'Canary analysis was skipped, promotion finished.',
  judgeFailed: (reason: string): string => `Canary is worse than the primary: ${reason}`,
  judgeInconclusive: (limit: string): string => `No decision within maxStepDuration ${limit}: rolling back.`,
} as const;

// --- the Promoted condition (spec §1.1.8) --------------------------------------------------------

/** `status` and `message` of the Promoted condition for a phase; `kind` is `spec.targetRef.kind`. */
export function promotedCondition(
  phase: Phase,
  kind: string,
): { readonly status: 'True' | 'False' | 'Unknown'; readonly message: string } {
  switch (phase) {
    case 'Initialized':
      return { status: 'True', message: `${kind} initialization completed.` };
    case 'Waiting':
    case 'WaitingPromotion':
      return { status: 'Unknown', message: 'Waiting for approval.' };
    case 'Progressing':
      return { status: 'Unknown', message: 'New revision detected, progressing canary analysis.' };
    case 'Promoting':
      return { status: 'Unknown', message: 'Canary analysis completed, starting primary rolling update.' };
    case 'Finalising':
      return { status: 'Unknown', message: 'Canary analysis completed, routing all traffic to primary.' };
    case 'Succeeded':
      return { status: 'True', message: 'Canary analysis completed successfully, promotion finished.' };
    case 'Failed':
      return { status: 'False', message: `Canary analysis failed, ${kind} scaled to zero.` };
    default:
      return { status: 'Unknown', message: `New ${kind} detected, starting initialization.` };
  }
}
