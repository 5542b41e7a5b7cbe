import type { Logger } from 'pino';
import {
  CANARY_KIND,
  FLAGGER_API_VERSION,
  PAUSED_ANNOTATION,
  requestedCommand,
  type CanaryCommand,
  formatIssues,
  type Canary,
  type Validators,
} from '../api/index.js';
import type { Action, Answers, Need, Observation, StepInput } from '../engine/model.js';
import { messages, skipsAnalysis, step } from '../engine/index.js';
import type { Cluster } from '../kube/cluster.js';
import type { Problem } from '../lib/result.js';
import type { ResolvedProvider, RouterSet } from '../routers/registry.js';
import type { RouteStatus, ServiceRouter, TrafficRouter } from '../routers/router.js';
import { TargetProblemError } from '../targets/problem-error.js';
import type { TargetSet } from '../targets/registry.js';
import type { WorkloadTarget } from '../targets/target.js';
import type { AlertQueue } from './alert-queue.js';
import type { CheckRunner } from './check-runner.js';
import type { Clock } from './clock.js';
import { hasFinalizer, setFinalizer } from './finalizer.js';
import { VerdictGuard } from './fresh-revision.js';
import { changeMatters } from './change-matters.js';
import { ensureInfrastructure } from './infrastructure.js';
import { ReleaseParts } from './release-parts.js';
import { withLastAnalysis, withRouteStatus } from './last-analysis.js';
import { ReconcileReason, withReconciledCondition } from './reconciled-condition.js';
import type { StatusWriter } from './status-writer.js';
import { takeOverRecordedRevision } from './takeover.js';

export interface ReconcilerDeps {
  readonly cluster: Cluster;
  /** The workload target of each `targetRef.kind`. */
  readonly targets: TargetSet;
  readonly services: ServiceRouter;
  /** The router of each provider (and, through its registry, the provider in effect). */
  readonly routers: RouterSet;
  readonly checks: CheckRunner;
  readonly status: StatusWriter;
  readonly alerts: AlertQueue;
  readonly clock: Clock;
  readonly log: Logger;
  readonly validate: Validators['canary'];
  /** Are the canary's metric providers reachable? Asked while initializing; the answer is only reported. */
  readonly checkProviders?: (
    canary: Canary,
    signal?: AbortSignal,
  ) => Promise<{ ok: true } | { ok: false; message: string }>;
}

/** Why a reconcile runs: the canary's analysis timer, or a watched change. */
export type Trigger = 'tick' | 'change';

/** What one reconcile did, for the controller's scheduling and for tests. */
export interface ReconcileOutcome {
  /** True when the engine made a decision (a tick happened), false when only infrastructure was checked. */
  readonly stepped: boolean;
  readonly phase?: string | undefined;
}

/**
 * One reconcile of one canary: validate, make sure the infrastructure exists (idempotent, no
 * writes when nothing changed), observe from the caches, let the engine decide, carry out its
 * actions in order, write the status, record the events. Expected problems become a condition
 * and a Warning event on the Canary; only unexpected errors are thrown (the queue retries them).
 */
export class Reconciler {
  /** Promotions and rollbacks are checked against the API server, never decided from a stale cache alone. */
  private readonly verdicts = new VerdictGuard();
  /** Validation results by frozen Canary object. */
  private readonly validations = new WeakMap<object, ReturnType<Validators['canary']>>();
  /** The target, provider and router of each canary. */
  private readonly releaseParts: ReleaseParts;

  constructor(private readonly deps: ReconcilerDeps) {
    this.releaseParts = new ReleaseParts(deps.targets, deps.routers);
  }

  async reconcile(namespace: string, name: string, trigger: Trigger, signal?: AbortSignal): Promise<ReconcileOutcome> {
    const obj = this.deps.cluster.get<Canary>({ apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, namespace, name });
    if (!obj) return { stepped: false };
    const admitted = await this.admit(obj, trigger, signal);
    if (!admitted.ok) return admitted.outcome;
    let { canary } = admitted;
    const { command } = admitted;
    const parts = this.releaseParts.of(canary);
    if (!parts.ok) return this.stop(canary, parts.reason, parts.problem);
    const { target, router, provider } = parts;
    const meta = target.metadata(canary);
    if (!meta.ok) return this.stop(canary, ReconcileReason.TargetNotReady, meta.problem);
    const now = this.deps.clock.now();
    const routesBeforePrimary = provider.plugin?.routesBeforePrimary ?? false;
    const infra = await ensureInfrastructure(
      canary,
      meta.value,
      { services: this.deps.services, router, target, routesBeforePrimary },
      now,
      signal,
    );
    if (!infra.ok)
      return this.stop(canary, infra.problem.condition ?? ReconcileReason.InfrastructureNotReady, infra.problem);
    await this.reportProviders(canary, trigger, signal);
    const revision = target.revision(canary);
    if (!revision.ok) return this.stop(canary, ReconcileReason.RevisionUnknown, revision.problem);
    canary = await takeOverRecordedRevision(canary, revision.value, target, this.deps.status, signal);
    const observation: Observation = {
      revision: revision.value,
      primary: infra.value,
      canary: target.canaryReadiness(canary, now),
      routes: router.routes(canary),
    };
    if (trigger === 'change' && !command && !changeMatters(canary, observation)) {
      await this.deps.status.clearProblem(canary);
      return { stepped: false, phase: canary.status?.phase };
    }
    const decision = await this.decide(canary, provider, observation, now, command, signal);
    // Built only when it is logged: a reconcile of a steady canary takes tens of microseconds.
    if (this.deps.log.isLevelEnabled('debug'))
      this.deps.log.debug(
        {
          canary: `${namespace}/${name}`,
          trigger,
          phase: canary.status?.phase,
          next: decision.status?.phase,
          revision: observation.revision,
          actions: decision.actions.map((a) => a.kind),
          events: decision.events.map((e) => e.message),
        },
        'engine decided',
      );
    const verdictOn = { target, observed: observation.revision };
    const again = () => this.reconcile(namespace, name, trigger, signal);
    const replaced = await this.verdicts.recheck(this.deps, canary, decision, verdictOn, again, signal);
    if (replaced) return replaced;
    return this.carryOut(canary, decision, { target, router }, now, command, signal);
  }

  /**
   * What comes before any work: deletion (with `revertOnDeletion`), the finalizer, validation, a
   * `serin.dev/command`, suspension and pause. Returns the validated canary and its command, or
   * the outcome when this reconcile ends here.
   */
  private async admit(
    obj: Canary,
    trigger: Trigger,
    signal?: AbortSignal,
  ): Promise<
    { ok: true; canary: Canary; command: CanaryCommand | undefined } | { ok: false; outcome: ReconcileOutcome }
  > {
    const { cluster, status: writer } = this.deps;
    const done = (phase = obj.status?.phase) => ({ ok: false as const, outcome: { stepped: false, phase } });
    if (obj.metadata?.deletionTimestamp) {
      if (hasFinalizer(obj)) await this.finalize(obj, signal);
      return done();
    }
    // revertOnDeletion is a finalizer: added while asked for, removed when the user opts out.
    if (Boolean(obj.spec?.revertOnDeletion) !== hasFinalizer(obj)) {
      await setFinalizer(cluster, obj, Boolean(obj.spec?.revertOnDeletion), signal);
      return done();
    }
    const checked = this.validated(obj);
    if (!checked.ok) {
      const { namespace, name } = obj.metadata ?? {};
      await writer.problem(obj, ReconcileReason.InvalidSpec, {
        message: `canary ${namespace}/${name} is invalid: ${formatIssues(checked.issues)}`,
        fix: 'correct the Canary spec; Serin retries when it changes',
      });
      return done(undefined);
    }
    const canary: Canary = { ...checked.value, metadata: obj.metadata, status: obj.status } as Canary;
    let command = requestedCommand(canary.metadata?.annotations);
    if (typeof command === 'object') {
      await writer.event(canary, 'Warning', messages.commandUnknown(command.unknown));
      await writer.consumeCommand(canary, command.unknown, signal);
      command = undefined;
    }
    // A paused canary still takes a command (abort above all); a suspended one is left alone.
    const paused = canary.metadata?.annotations?.[PAUSED_ANNOTATION] === 'true';
    if (canary.spec.suspend || (paused && !command)) {
      const text = canary.spec.suspend ? messages.suspendedMessage() : messages.pausedMessage();
      if (trigger === 'tick') await writer.event(canary, 'Normal', text);
      return done();
    }
    return { ok: true, canary, command };
  }

  /**
   * The validation of `obj`, kept per frozen object: a canary that nothing wrote to since its last
   * reconcile (a tick after a watched change, a change after a tick) is the very same object.
   */
  private validated(obj: Canary): ReturnType<Validators['canary']> {
    if (!Object.isFrozen(obj)) return this.deps.validate(obj);
    let checked = this.validations.get(obj);
    if (!checked) this.validations.set(obj, (checked = this.deps.validate(obj)));
    return checked;
  }

  /**
   * Carries out the engine's decision: its actions in order (stopping at the first that fails, then
   * no status is written and the next tick retries), its events, then the status, then the command.
   */
  private async carryOut(
    canary: Canary,
    decision: Awaited<ReturnType<Reconciler['decide']>>,
    parts: { readonly target: WorkloadTarget; readonly router: TrafficRouter },
    now: number,
    command: CanaryCommand | undefined,
    signal?: AbortSignal,
  ): Promise<ReconcileOutcome> {
    const writer = this.deps.status;
    let routeStatus: RouteStatus = {};
    try {
      for (const action of decision.actions)
        routeStatus = { ...routeStatus, ...(await this.act(canary, parts.target, parts.router, action, signal)) };
    } catch (err) {
      // A problem the user must fix (target gone, label removed): on the canary, not only in a log.
      if (err instanceof TargetProblemError) return this.stop(canary, ReconcileReason.ActionFailed, err.problem);
      throw err;
    }
    // Events before the status, as Flagger records them: whoever sees the new phase finds the
    // events that explain it already there.
    const decided = withRouteStatus(decision.status ?? canary.status, routeStatus);
    // Event webhooks see the new phase (Flagger attaches the canary with it to Succeeded/Failed/Progressing events).
    for (const e of decision.events) await writer.event({ ...canary, status: decided } as Canary, e.type, e.message);
    const status = withLastAnalysis(decided, decision.answers.analysis, now);
    const finalStatus = withReconciledCondition(status, undefined, now, canary.status);
    if (finalStatus !== canary.status) await writer.write(canary, finalStatus, signal);
    if (command) await writer.consumeCommand(canary, command, signal);
    return { stepped: true, phase: finalStatus?.phase };
  }

  /** While initializing, on a tick: are the metric providers reachable? Reported as an event only. */
  private async reportProviders(canary: Canary, trigger: Trigger, signal?: AbortSignal): Promise<void> {
    const phase = canary.status?.phase ?? '';
    const check = this.deps.checkProviders;
    if ((phase !== '' && phase !== 'Initializing') || trigger !== 'tick' || !check || skipsAnalysis(canary.spec))
      return;
    const providers = await check(canary, signal);
    await this.deps.status.event(
      canary,
      providers.ok ? 'Normal' : 'Warning',
      providers.ok ? messages.metricProvidersAvailable() : messages.metricProvidersError(providers.message),
    );
  }

  /**
   * `revertOnDeletion`: hand the workload back before the Canary goes — scale the target up again,
   * wait until it is ready, point the apex Service at its pods, then release the finalizer.
   */
  private async finalize(canary: Canary, signal?: AbortSignal): Promise<void> {
    const { services, cluster, status: writer } = this.deps;
    const name = canary.metadata?.name ?? '';
    const ns = canary.metadata?.namespace ?? '';
    if (canary.status?.phase !== 'Terminating') {
      await writer.write(
        canary,
        { ...canary.status, phase: 'Terminating', lastTransitionTime: new Date(this.deps.clock.now()).toISOString() },
        signal,
      );
      await writer.event(canary, 'Normal', messages.terminatingCanary(name, ns));
    }
    const target = this.deps.targets.forCanary(canary);
    if (target.ok) {
      await target.value.finalize(canary, signal);
      const readiness = target.value.canaryReadiness(canary, this.deps.clock.now());
      if (!readiness.ready) throw new Error(`canary not ready during finalizing: ${readiness.reason}`);
      const meta = target.value.metadata(canary);
      if (meta.ok) await services.finalize(canary, meta.value, signal);
    }
    const router = this.deps.routers.routerFor(this.deps.routers.registry.resolve(canary));
    if (router.ok) await router.router.finalize(canary, signal);
    await setFinalizer(
      cluster,
      cluster.get<Canary>({ apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, namespace: ns, name }) ?? canary,
      false,
      signal,
    );
    await writer.event(canary, 'Normal', messages.terminatedCanary(name, ns));
  }

  /** Calls the engine, answering its questions (hooks, metrics) until it decides. */
  private async decide(
    canary: Canary,
    provider: ResolvedProvider,
    observation: Observation,
    now: number,
    command: CanaryCommand | undefined,
    signal?: AbortSignal,
  ) {
    let answers: Answers = {};
    for (let round = 0; round < 8; round++) {
      const input: StepInput = {
        name: canary.metadata?.name ?? '',
        namespace: canary.metadata?.namespace ?? '',
        spec: canary.spec,
        status: canary.status,
        routing: provider.routing,
        observation: { ...observation, answers },
        now,
        ...(command ? { command } : {}),
      };
      const result = step(input);
      if (result.kind === 'decision') return { ...result, answers };
      const more = await this.answer(canary, result.need, signal);
      // One tick may ask several gates (traffic, then promotion): keep every answer.
      answers = { ...answers, ...more, ...(more.gates ? { gates: { ...answers.gates, ...more.gates } } : {}) };
    }
    throw new Error(
      `engine asked more than 8 questions for canary ${canary.metadata?.namespace}/${canary.metadata?.name}`,
    );
  }

  private async answer(canary: Canary, need: Need, signal?: AbortSignal): Promise<Answers> {
    const phase = canary.status?.phase ?? '';
    const checks = this.deps.checks;
    switch (need.kind) {
      case 'gate':
        return {
          gates: {
            [need.gate]: await checks.hooks(
              canary,
              need.gate,
              need.gate === 'confirm-rollout' ? phase : 'Progressing',
              signal,
            ),
          },
        };
      case 'rollback-hooks':
        return { rollbackHooks: await checks.rollbackHooks(canary, phase, signal) };
      case 'pre-rollout':
        return { preRollout: await checks.hooks(canary, 'pre-rollout', 'Progressing', signal) };
      case 'analysis':
        return { analysis: await checks.analysis(canary, signal) };
      case 'judge-start':
        return { judgeStart: await checks.judgeStart(canary, need.end, signal) };
      case 'judge-window':
        return { judgeWindow: await checks.judgeWindow(canary, need, signal) };
    }
  }

  private async act(
    canary: Canary,
    target: WorkloadTarget,
    router: TrafficRouter,
    action: Action,
    signal?: AbortSignal,
  ): Promise<RouteStatus | void> {
    switch (action.kind) {
      case 'set-routes':
        return router.setRoutes(canary, action, signal);
      case 'scale-target':
        return action.to === 'zero' ? target.scaleToZero(canary, signal) : target.scaleUp(canary, signal);
      case 'promote':
        return target.promote(canary, signal);
      case 'sync-primary-scaler': {
        const r = await target.ensurePrimaryScaler(canary, signal);
        if (!r.ok) throw new TargetProblemError(r.problem);
        return;
      }
      case 'post-rollout': {
        const outcomes = await this.deps.checks.hooks(canary, 'post-rollout', action.phase, signal);
        for (const o of outcomes) {
          const text = o.ok ? messages.postRolloutPassed(o.name) : messages.postRolloutFailed(o.name, o.reason);
          await this.deps.status.event(canary, o.ok ? 'Normal' : 'Warning', text);
        }
        return;
      }
      case 'alert':
        return this.deps.alerts.send(canary, action);
    }
  }

  private async stop(canary: Canary, reason: ReconcileReason, problem: Problem): Promise<ReconcileOutcome> {
    await this.deps.status.problem(canary, reason, problem);
    return { stepped: false, phase: canary.status?.phase };
  }
}
