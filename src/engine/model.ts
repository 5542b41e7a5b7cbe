/**
 * The engine's inputs and outputs. The engine is a pure function of (Canary spec and status, what
 * the controller observed, now) → (next status, actions, events); it performs no I/O. When a
 * decision needs an answer that costs I/O (webhook gates, metric analysis) the engine asks for it
 * with a `need` and the controller calls it again with the answer filled in.
 */
import type { CanaryCommand, CanarySpec, CanaryStatus, Phase, WebhookType } from '../api/index.js';
import type { JudgeWindow, PreRollout } from '../judge/index.js';

/**
 * Is a workload ready to serve? Non-retriable means waiting longer will not help (deadline passed).
 * `reason` is the whole message as Flagger words it for the target kind, e.g. `account-primary.shop
 * not ready: waiting for rollout to finish: …`, `canary deployment account.shop not ready: …`, or a
 * GET error (`messages.ts` has the prefixes); the engine records it verbatim as a Warning event.
 */
export type Readiness =
  { readonly ready: true } | { readonly ready: false; readonly retriable: boolean; readonly reason: string };

/** Traffic split as the router reports it. Weights are percentages summing to 100. */
export interface Routes {
  readonly primary: number;
  readonly canary: number;
  readonly mirrored: boolean;
}

/**
 * The outcome of one check (a webhook or a metric), as data; never a thrown error. `name` is the
 * hook's or the metric's name. For a hook, `reason` is the hook's error (response body or transport
 * error); the engine words the event for the hook type. For a metric, `reason` completes
 * `Halt {name}.{ns} advancement {reason}` (see `judgeMetric`), and `message`, when set, is the whole
 * Warning event text instead (Flagger words no-data and query errors differently).
 */
export type CheckOutcome = (
  | { readonly ok: true; readonly name: string; readonly detail?: string }
  | { readonly ok: false; readonly name: string; readonly reason: string; readonly message?: string }
) & {
  /** What was checked (the controller records it in `status.lastAnalysis`). */
  readonly kind?: 'webhook' | 'metric';
  /** The measured value of a metric, when there was one. */
  readonly value?: number;
};

/** Answers to the engine's `need`s, filled in by the controller. */
export interface Answers {
  /** Gate hooks of one type, in spec order; the controller stops at the first failure. */
  readonly gates?: Partial<Record<GateType, readonly CheckOutcome[]>>;
  /**
   * Rollback hooks in spec order, up to and including the first that asks for a rollback: an `ok`
   * outcome here means the hook *asked for* it (2xx).
   */
  readonly rollbackHooks?: readonly CheckOutcome[];
  /** Pre-rollout hooks, in spec order, up to and including the first failure. */
  readonly preRollout?: readonly CheckOutcome[];
  /**
   * Rollout hooks (type `rollout` or empty, spec order) then builtin metrics then template metrics, up
   * to and including the first failure. The engine tells a failed hook from a failed metric by its
   * position, so every rollout hook that ran must be listed.
   */
  readonly analysis?: readonly CheckOutcome[];
  /** The primary's counts before the rollout, for the statistical judge (`spec.analysis.judge`). */
  readonly judgeStart?: JudgeStartAnswer;
  /** One analysis window's counts of both arms, for the statistical judge. */
  readonly judgeWindow?: JudgeWindow;
}

/** The primary's pre-rollout counts, or why they could not be read. */
export type JudgeStartAnswer =
  | { readonly ok: true; readonly pre: PreRollout; readonly notes: readonly string[] }
  | { readonly ok: false; readonly message: string };

/** Webhook types that gate a transition (the canary waits while one says no). */
export type GateType = Extract<WebhookType, 'confirm-rollout' | 'confirm-traffic-increase' | 'confirm-promotion'>;

/**
 * What the engine asks the controller to find out before it can decide. The engine asks only when
 * the spec has at least one hook (or metric) to run for it; with none, the check passes silently.
 */
export type Need =
  | { readonly kind: 'gate'; readonly gate: GateType }
  | { readonly kind: 'rollback-hooks' }
  | { readonly kind: 'pre-rollout' }
  | { readonly kind: 'analysis' }
  /** The primary's counts over the hour before `end` (unix seconds), to start the judge. */
  | { readonly kind: 'judge-start'; readonly end: number }
  /** Both arms' counts over (`start`, `end`] (unix seconds), at `canaryWeight` percent. */
  | { readonly kind: 'judge-window'; readonly start: number; readonly end: number; readonly canaryWeight: number };

/** What the controller observed this tick (from its caches; no decision made yet). */
export interface Observation {
  /**
   * Current revision of the target: hash of the pod template and, separately, of each tracked config
   * (`configmap/<name>` / `secret/<name>` → checksum). `trackedConfigs` undefined means config
   * tracking is off: configs then never count as a change and are not written to the status.
   */
  readonly revision: { readonly spec: string; readonly trackedConfigs?: Readonly<Record<string, string>> };
  /** Readiness of `<target>-primary`, already judged with `primaryReadyThreshold`. */
  readonly primary: Readiness;
  /** Readiness of the target (the canary), judged with `canaryReadyThreshold`. Only meaningful when scaled up. */
  readonly canary: Readiness;
  /** The router's current weights; an error string when they cannot be read. */
  readonly routes: Routes | { readonly error: string };
  readonly answers?: Answers;
}

/**
 * What a routing provider can do, as the engine needs to know it. A provider without `weights`
 * (Flagger's `kubernetes`) cannot shift a share of traffic: the engine runs blue/green iterations
 * and finalises a promotion at once (Flagger §3.3 step 28, §3.8.4).
 */
export interface RoutingCapabilities {
  /** The provider in effect (`spec.provider`, else the operator default); named in Flagger's texts. */
  readonly provider: string;
  /** Shifts a percentage of traffic between primary and canary. */
  readonly weights: boolean;
  /** Routes requests by header, cookie or query match (A/B testing). */
  readonly headerMatch: boolean;
  /** Mirrors requests to the canary (`analysis.mirror`). */
  readonly mirroring: boolean;
  /** Pins a user to the canary by cookie (`analysis.sessionAffinity`). */
  readonly sessionAffinity: boolean;
}

/** Everything one engine step needs. */
export interface StepInput {
  readonly name: string;
  readonly namespace: string;
  readonly spec: CanarySpec;
  readonly status: CanaryStatus | undefined;
  readonly observation: Observation;
  /** Wall-clock time of this tick, ms since the epoch (virtual in `serin simulate`). */
  readonly now: number;
  /**
   * What the canary's routing provider can do (from the provider registry; the controller resolves
   * `spec.provider` or the operator default). The engine decides by capability, never by name.
   */
  readonly routing: RoutingCapabilities;
  /** A person's request (`serin.dev/command`): this tick carries it out (or says why not) and nothing else. */
  readonly command?: CanaryCommand;
}

/**
 * Something the controller does, in order; it stops at the first that fails and writes no status then.
 * `scale-target` zero / up includes pausing / resuming a KEDA target scaler, as Flagger pairs them;
 * `sync-primary-scaler` (copy the target autoscaler's spec to the primary's) appears only with
 * `spec.autoscalerRef`; `promote` copies the target's template and configs to the primary. `post-rollout` (run the post-rollout hooks with that phase, recording their own events) and `alert`
 * (notify; `withMetadata` adds Flagger's target/threshold/deadline/routing fields) never fail a tick:
 * their errors are reported, not propagated.
 */
export type Action =
  | { readonly kind: 'set-routes'; readonly primary: number; readonly canary: number; readonly mirrored: boolean }
  | { readonly kind: 'scale-target'; readonly to: 'zero' | 'up' }
  | { readonly kind: 'promote' }
  | { readonly kind: 'sync-primary-scaler' }
  | { readonly kind: 'post-rollout'; readonly phase: Extract<Phase, 'Succeeded' | 'Failed'> }
  | {
      readonly kind: 'alert';
      readonly severity: 'info' | 'warn' | 'error';
      readonly message: string;
      readonly withMetadata?: boolean;
    };

/** A Kubernetes Event to record on the Canary (reason `Synced`, as Flagger does). */
export interface EngineEvent {
  readonly type: 'Normal' | 'Warning';
  readonly message: string;
}

/** The engine's answer: either a decision, or a question. */
export type StepResult =
  | {
      readonly kind: 'decision';
      /**
       * The whole status to write, or undefined when nothing in it changes this tick (a write that
       * would only move `lastTransitionTime` is not made).
       */
      readonly status: CanaryStatus | undefined;
      readonly actions: readonly Action[];
      readonly events: readonly EngineEvent[];
    }
  | { readonly kind: 'need'; readonly need: Need };
