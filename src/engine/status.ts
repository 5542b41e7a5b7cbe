/**
 * Status write semantics (spec §3.5, §1.1.8). Flagger writes the status several times per tick with
 * different operations; the engine applies the same operations to a draft and hands the controller
 * one final status, so a tick is one write.
 */
import type { CanaryJudgeStatus, CanaryStatus, Condition, Phase } from '../api/index.js';
import { jsonEqual } from '../lib/json-equal.js';
import { promotedCondition } from './messages.js';
import type { Observation } from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The counters a full sync writes; missing ones are 0, as in Flagger's `SyncStatus`. */
export interface SyncFields {
  readonly phase: Phase;
  readonly canaryWeight?: number;
  readonly failedChecks?: number;
  readonly iterations?: number;
}

/** Phases whose `set phase` keeps the canary weight and iterations (Flagger, plus WaitingPromotion: see docs/engine.md). */
const KEEPS_COUNTERS: ReadonlySet<Phase> = new Set<Phase>(['Progressing', 'Waiting', 'Promoting', 'WaitingPromotion']);

/** The status of one tick under construction; `result()` is what the controller writes. */
export class StatusDraft {
  private next: Mutable<CanaryStatus>;

  constructor(
    private readonly previous: CanaryStatus | undefined,
    private readonly revision: Observation['revision'],
    private readonly kind: string,
    private readonly now: number,
  ) {
    this.next = { ...previous };
  }

  /** The phase as written so far this tick ('' for a canary never initialized). */
  get phase(): Phase {
    return this.next.phase ?? '';
  }

  /** Full sync: counters from `fields`, the observed revision as `lastAppliedSpec` (and promoted when Initialized). */
  sync(fields: SyncFields): void {
    const next: Mutable<CanaryStatus> = {
      ...this.next,
      phase: fields.phase,
      canaryWeight: fields.canaryWeight ?? 0,
      failedChecks: fields.failedChecks ?? 0,
      iterations: fields.iterations ?? 0,
      lastAppliedSpec: this.revision.spec,
    };
    if (fields.phase === 'Initialized') next.lastPromotedSpec = this.revision.spec;
    if (this.revision.trackedConfigs) next.trackedConfigs = { ...this.revision.trackedConfigs };
    else delete next.trackedConfigs;
    this.next = withCondition(next, fields.phase, this.kind, this.now);
  }

  /**
   * Set phase. Outside Progressing/Waiting/WaitingPromotion/Promoting the weight and iterations go
   * back to 0; WaitingPromotion sets iterations to `waitingIterations`; Initialized and Succeeded
   * record the applied revision as promoted.
   */
  setPhase(phase: Phase, waitingIterations = 0): void {
    const next: Mutable<CanaryStatus> = { ...this.next, phase };
    if (!KEEPS_COUNTERS.has(phase)) {
      next.canaryWeight = 0;
      next.iterations = 0;
    }
    if (phase === 'WaitingPromotion') next.iterations = waitingIterations;
    if ((phase === 'Initialized' || phase === 'Succeeded') && next.lastAppliedSpec !== undefined) {
      next.lastPromotedSpec = next.lastAppliedSpec;
    }
    this.next = withCondition(next, phase, this.kind, this.now);
  }

  /** Flagger's first write for a new canary: phase Initializing and its condition, nothing else. */
  markInitializing(): void {
    this.next = withCondition({ ...this.next, phase: 'Initializing' }, 'Initializing', this.kind, this.now);
  }

  /** Set the canary weight only. */
  setWeight(canaryWeight: number): void {
    this.next = { ...this.next, canaryWeight };
  }

  /** Set the failed-checks counter only. */
  setFailedChecks(failedChecks: number): void {
    this.next = { ...this.next, failedChecks };
  }

  /** Set the statistical judge's status only. */
  setJudge(judge: CanaryJudgeStatus): void {
    this.next = { ...this.next, judge };
  }

  /** Set the iteration counter only. */
  setIterations(iterations: number): void {
    this.next = { ...this.next, iterations };
  }

  /** The status to write: undefined when nothing but `lastTransitionTime` would change. */
  result(): CanaryStatus | undefined {
    if (jsonEqual(untimed(this.previous ?? {}), untimed(this.next))) return undefined;
    return { ...this.next, lastTransitionTime: iso(this.now) };
  }
}

/**
 * The Promoted condition rule (§1.1.8): unchanged when status and reason are the same; a new reason
 * with the same status keeps the old `lastTransitionTime`; anything else stamps both times.
 */
function withCondition(status: Mutable<CanaryStatus>, phase: Phase, kind: string, now: number): Mutable<CanaryStatus> {
  const wanted = promotedCondition(phase, kind);
  const current = status.conditions?.find((condition) => condition.type === 'Promoted');
  if (current && current.status === wanted.status && current.reason === phase) return status;
  const stamp = iso(now);
  const keepTransition = current && current.status === wanted.status ? current.lastTransitionTime : undefined;
  const condition: Condition = {
    type: 'Promoted',
    status: wanted.status,
    reason: phase,
    message: wanted.message,
    lastUpdateTime: stamp,
    lastTransitionTime: keepTransition ?? stamp,
  };
  return { ...status, conditions: [condition] };
}

function untimed(status: CanaryStatus): CanaryStatus {
  const copy = { ...status };
  delete copy.lastTransitionTime;
  return copy;
}

function iso(now: number): string {
  return new Date(now).toISOString();
}
