import type { Logger } from 'pino';
import {
  CANARY_KIND,
  COMMAND_ANNOTATION,
  FLAGGER_API_VERSION,
  PAUSED_ANNOTATION,
  requestedCommand,
  type CanaryCommand,
  formatIssues,
  type Canary,
  type CanaryStatus,
  type Validators,
} from '../api/index.js';
import type { Action, Answers, CheckOutcome, Need, Observation, StepInput } from '../engine/model.js';
import { messages, skipsAnalysis, step } from '../engine/index.js';
import type { AlertDispatcher } from '../alerts/dispatcher.js';
import type { CheckRunner } from '../hooks/check-runner.js';
import type { Cluster } from '../kube/cluster.js';
import { isKubeError } from '../kube/cluster.js';
import { jsonEqual } from '../kube/json-equal.js';
import type { ServiceRouter, TrafficRouter } from '../routers/router.js';
import type { Problem, Result, WorkloadTarget } from '../targets/target.js';
import type { Clock } from './clock.js';
import type { EventRecorder } from './event-recorder.js';
import { hasFinalizer, setFinalizer } from './finalizer.js';
import { withReconciledCondition } from './reconciled-condition.js';

export interface ReconcilerDeps {
  readonly cluster: Cluster;
  readonly target: WorkloadTarget;
  readonly services: ServiceRouter;
  /** The router for a provider name, or undefined when Serin has none for it. */
  readonly router: (provider: string) => TrafficRouter | undefined;
  readonly checks: CheckRunner;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly validate: Validators['canary'];
  /** Sends alerts to chat; without it alerts only go to the log (as in `serin simulate`). */
  readonly alerts?: AlertDispatcher;
  /** Are the canary's metric providers reachable? Asked while initializing; the answer is only reported. */
  readonly checkProviders?: (
    canary: Canary,
    signal?: AbortSignal,
  ) => Promise<{ ok: true } | { ok: false; message: string }>;
}

export interface ReconcilerOptions {
  /** Provider for canaries that name none (`--mesh-provider`). */
  readonly defaultProvider: string;
}

/** Why a reconcile runs: the canary's analysis timer, or a watched change. */
export type Trigger = 'tick' | 'change';

/** What one reconcile did, for the controller's scheduling and for tests. */
export interface ReconcileOutcome {
  /** True when the engine made a decision (a tick happened), false when only infrastructure was checked. */
  readonly stepped: boolean;
  readonly phase?: string | undefined;
}

const EVENT_REASON = 'Synced';

/**
 * One reconcile of one canary: validate, make sure the infrastructure exists (idempotent, no
 * writes when nothing changed), observe from the caches, let the engine decide, carry out its
 * actions in order, write the status, record the events. Expected problems become a condition
 * and a Warning event on the Canary; only unexpected errors are thrown (the queue retries them).
 */
export class Reconciler {
  /** Per canary, the tail of its alerts still being sent. */
  private readonly alertQueues = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly options: ReconcilerOptions,
  ) {}

  async reconcile(namespace: string, name: string, trigger: Trigger, signal?: AbortSignal): Promise<ReconcileOutcome> {
    const { cluster, target, services } = this.deps;
    const obj = cluster.get<Canary>({ apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, namespace, name });
    if (!obj) return { stepped: false };
    if (obj.metadata?.deletionTimestamp) {
      if (hasFinalizer(obj)) await this.finalize(obj, signal);
      return { stepped: false, phase: obj.status?.phase };
    }
    // revertOnDeletion is a finalizer: added while asked for, removed when the user opts out.
    if (Boolean(obj.spec?.revertOnDeletion) !== hasFinalizer(obj)) {
      await setFinalizer(cluster, obj, Boolean(obj.spec?.revertOnDeletion), signal);
      return { stepped: false, phase: obj.status?.phase };
    }
    const checked = this.deps.validate(obj);
    if (!checked.ok) {
      await this.problem(obj, 'InvalidSpec', {
        message: `canary ${namespace}/${name} is invalid: ${formatIssues(checked.issues)}`,
        fix: 'correct the Canary spec; Serin retries when it changes',
      });
      return { stepped: false };
    }
    const canary: Canary = { ...checked.value, metadata: obj.metadata, status: obj.status } as Canary;
    let command = requestedCommand(canary.metadata?.annotations);
    if (typeof command === 'object') {
      await this.event(canary, 'Warning', messages.commandUnknown(command.unknown));
      await this.consumeCommand(canary, command.unknown, signal);
      command = undefined;
    }
    // A paused canary still takes a command (abort above all); a suspended one is left alone.
    const paused = canary.metadata?.annotations?.[PAUSED_ANNOTATION] === 'true';
    if (canary.spec.suspend || (paused && !command)) {
      const text = canary.spec.suspend ? messages.suspendedMessage() : messages.pausedMessage();
      if (trigger === 'tick') await this.event(canary, 'Normal', text);
      return { stepped: false, phase: canary.status?.phase };
    }
    const provider = canary.spec.provider || this.options.defaultProvider;
    const router = this.deps.router(provider);
    if (!router) {
      return this.stop(canary, 'ProviderNotSupported', {
        message: `provider ${provider} is not supported by this Serin`,
        fix: 'use appmesh:v1beta2 (or set --mesh-provider), or run a Serin that supports it',
      });
    }
    const meta = target.metadata(canary);
    if (!meta.ok) return this.stop(canary, 'TargetNotReady', meta.problem);
    const meshFirst = provider.startsWith('appmesh'); // App Mesh objects must exist before primary pods start
    const steps: (() => Promise<Result<void>>)[] = [
      () => services.initialize(canary, meta.value, signal),
      ...(meshFirst ? [() => router.reconcile(canary, meta.value, signal)] : []),
      () => target.ensurePrimary(canary, signal),
      ...(canary.spec.autoscalerRef ? [() => target.ensurePrimaryScaler(canary, signal)] : []),
    ];
    for (const ensure of steps) {
      const r = await ensure();
      if (!r.ok) return this.stop(canary, 'InfrastructureNotReady', r.problem);
    }
    const now = this.deps.clock.now();
    const primary = target.primaryReadiness(canary, now);
    if (primary.ready) {
      const apex = await services.reconcileApex(canary, meta.value, signal);
      if (!apex.ok) return this.stop(canary, 'InfrastructureNotReady', apex.problem);
    }
    if (!meshFirst) {
      const r = await router.reconcile(canary, meta.value, signal);
      if (!r.ok) return this.stop(canary, 'InfrastructureNotReady', r.problem);
    }
    const phase = canary.status?.phase ?? '';
    if (
      (phase === '' || phase === 'Initializing') &&
      trigger === 'tick' &&
      this.deps.checkProviders &&
      !skipsAnalysis(canary.spec)
    ) {
      const providers = await this.deps.checkProviders(canary, signal);
      await this.event(
        canary,
        providers.ok ? 'Normal' : 'Warning',
        providers.ok ? messages.metricProvidersAvailable() : messages.metricProvidersError(providers.message),
      );
    }
    const revision = target.revision(canary);
    if (!revision.ok) return this.stop(canary, 'RevisionUnknown', revision.problem);

    const observation: Observation = {
      revision: revision.value,
      primary,
      canary: target.canaryReadiness(canary, now),
      routes: router.routes(canary),
    };
    if (trigger === 'change' && !command && !this.changeMatters(canary, observation)) {
      await this.clearProblem(canary);
      return { stepped: false, phase: canary.status?.phase };
    }
    const decision = await this.decide(canary, provider, observation, now, command, signal);
    this.deps.log.debug(
      {
        canary: `${namespace}/${name}`,
        trigger,
        phase: canary.status?.phase,
        next: decision.status?.phase,
        revision: observation.revision,
        lastAppliedSpec: canary.status?.lastAppliedSpec,
        actions: decision.actions.map((a) => a.kind),
        events: decision.events.map((e) => e.message),
      },
      'engine decided',
    );
    for (const action of decision.actions) await this.act(canary, router, action, signal);
    // Events before the status, as Flagger records them: whoever sees the new phase finds the
    // events that explain it already there.
    for (const e of decision.events) await this.event(canary, e.type, e.message);
    const status = withLastAnalysis(decision.status ?? canary.status, decision.answers.analysis, now);
    const finalStatus = withReconciledCondition(status, undefined, now, canary.status);
    if (finalStatus !== canary.status) await this.writeStatus(canary, finalStatus, signal);
    if (command) await this.consumeCommand(canary, command, signal);
    return { stepped: true, phase: finalStatus?.phase };
  }

  /**
   * `revertOnDeletion`: hand the workload back before the Canary goes — scale the target up again,
   * wait until it is ready, point the apex Service at its pods, then release the finalizer.
   */
  private async finalize(canary: Canary, signal?: AbortSignal): Promise<void> {
    const { target, services, cluster } = this.deps;
    const name = canary.metadata?.name ?? '';
    const ns = canary.metadata?.namespace ?? '';
    if (canary.status?.phase !== 'Terminating') {
      await this.writeStatus(
        canary,
        { ...canary.status, phase: 'Terminating', lastTransitionTime: new Date(this.deps.clock.now()).toISOString() },
        signal,
      );
      await this.event(canary, 'Normal', messages.terminatingCanary(name, ns));
    }
    await target.finalize(canary, signal);
    const readiness = target.canaryReadiness(canary, this.deps.clock.now());
    if (!readiness.ready) throw new Error(`canary not ready during finalizing: ${readiness.reason}`);
    const meta = target.metadata(canary);
    if (meta.ok) await services.finalize(canary, meta.value, signal);
    await this.deps.router(canary.spec.provider || this.options.defaultProvider)?.finalize(canary, signal);
    await setFinalizer(
      cluster,
      cluster.get<Canary>({ apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, namespace: ns, name }) ?? canary,
      false,
      signal,
    );
    await this.event(canary, 'Normal', messages.terminatedCanary(name, ns));
  }

  /** A watched change starts work only when it is a new revision or the canary is not initialized yet. */
  private changeMatters(canary: Canary, observation: Observation): boolean {
    const status = canary.status;
    const phase = status?.phase ?? '';
    if (phase === '' || phase === 'Initializing') return true;
    if (
      observation.revision.spec !== status?.lastAppliedSpec &&
      observation.revision.spec !== status?.lastPromotedSpec
    ) {
      return true;
    }
    const tracked = observation.revision.trackedConfigs ?? {};
    const known = status?.trackedConfigs ?? {};
    return (
      Object.keys(tracked).length !== Object.keys(known).length ||
      Object.entries(tracked).some(([k, v]) => known[k] !== v)
    );
  }

  private async decide(
    canary: Canary,
    provider: string,
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
        spec: { ...canary.spec, provider: provider as NonNullable<Canary['spec']['provider']> },
        status: canary.status,
        defaultProvider: this.options.defaultProvider,
        observation: { ...observation, answers },
        now,
        ...(command ? { command } : {}),
      };
      const result = step(input);
      if (result.kind === 'decision') return { ...result, answers };
      answers = { ...answers, ...(await this.answer(canary, result.need, signal)) };
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
    }
  }

  private async act(canary: Canary, router: TrafficRouter, action: Action, signal?: AbortSignal): Promise<void> {
    const { target } = this.deps;
    switch (action.kind) {
      case 'set-routes':
        return router.setRoutes(canary, action, signal);
      case 'scale-target':
        return action.to === 'zero' ? target.scaleToZero(canary, signal) : target.scaleUp(canary, signal);
      case 'promote':
        return target.promote(canary, signal);
      case 'sync-primary-scaler': {
        const r = await target.ensurePrimaryScaler(canary, signal);
        if (!r.ok) throw new Error(`${r.problem.message}; ${r.problem.fix}`);
        return;
      }
      case 'post-rollout': {
        const outcomes = await this.deps.checks.hooks(canary, 'post-rollout', action.phase, signal);
        for (const o of outcomes) {
          const text = o.ok ? messages.postRolloutPassed(o.name) : messages.postRolloutFailed(o.name, o.reason);
          await this.event(canary, o.ok ? 'Normal' : 'Warning', text);
        }
        return;
      }
      case 'alert':
        this.deps.log.info(
          {
            canary: canary.metadata?.name,
            namespace: canary.metadata?.namespace,
            severity: action.severity,
            alert: action.message,
          },
          'alert',
        );
        this.sendAlert(canary, action);
        return;
    }
  }

  /**
   * Sends an alert in the background, after the canary's earlier alerts (so chat shows them in
   * order): a slow or down chat service never holds up a tick — a rollback moves traffic at once.
   * A failed send is a Warning event on the Canary (and a log line), never an error of the tick.
   */
  private sendAlert(canary: Canary, alert: Extract<Action, { kind: 'alert' }>): void {
    const alerts = this.deps.alerts;
    if (!alerts) return;
    const key = `${canary.metadata?.namespace ?? ''}/${canary.metadata?.name ?? ''}`;
    const previous = this.alertQueues.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const d of await alerts.dispatch(canary, alert)) {
        if (d.ok) continue;
        this.deps.log.warn(
          { canary: key, provider: d.provider, error: d.error, alert: alert.message },
          'alert not sent',
        );
        await this.event(canary, 'Warning', `Alert "${alert.message}" not sent to ${d.provider}: ${d.error}`);
      }
    });
    const settled = next.catch((err: unknown) => this.deps.log.error({ canary: key, err }, 'alert failed'));
    this.alertQueues.set(key, settled);
    void settled.then(() => {
      if (this.alertQueues.get(key) === settled) this.alertQueues.delete(key);
    });
  }

  /** Resolves when every alert sent so far has been delivered or given up (for tests and shutdown). */
  async alertsSent(): Promise<void> {
    while (this.alertQueues.size > 0) await Promise.all(this.alertQueues.values());
  }

  /**
   * Writes the status through the status subresource. A Conflict means the Canary changed since our
   * read — usually someone else's edit of its metadata or spec (`serin pause`, kubectl annotate, a
   * GitOps apply) while this tick ran. The tick's actions have already happened (weights set, events
   * recorded), so the status that describes them must land: when the latest object still carries the
   * status this tick started from, ours is written onto it. Only a status someone else wrote meanwhile
   * sends the whole reconcile back to the queue.
   */
  private async writeStatus(canary: Canary, status: CanaryStatus | undefined, signal?: AbortSignal): Promise<void> {
    const { cluster } = this.deps;
    const ref = {
      apiVersion: FLAGGER_API_VERSION,
      kind: CANARY_KIND,
      namespace: canary.metadata?.namespace ?? '',
      name: canary.metadata?.name ?? '',
    };
    let base: Canary = canary;
    for (let attempt = 0; ; attempt++) {
      try {
        await cluster.updateStatus(
          { ...base, apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, status } as never,
          signal ? { signal } : {},
        );
        return;
      } catch (err) {
        if (!isKubeError(err, 'Conflict')) throw err;
        const latest = attempt < 3 ? await cluster.read<Canary>(ref, signal ? { signal } : {}) : undefined;
        if (!latest || latest.metadata?.deletionTimestamp || !jsonEqual(latest.status, canary.status))
          throw new StatusConflict(canary);
        base = latest;
      }
    }
  }

  /**
   * Removes the `serin.dev/command` annotation once its tick is done — only while it still asks for
   * what was done, so a different command written meanwhile waits for the next reconcile.
   */
  private async consumeCommand(canary: Canary, value: string, signal?: AbortSignal): Promise<void> {
    const { cluster } = this.deps;
    const ref = canaryRef(canary);
    const options = signal ? { signal } : {};
    let latest = cluster.get<Canary>(ref);
    for (let attempt = 0; attempt < 3 && latest; attempt++) {
      if (latest.metadata?.annotations?.[COMMAND_ANNOTATION]?.trim() !== value) return;
      try {
        const metadata = {
          resourceVersion: latest.metadata.resourceVersion,
          annotations: { [COMMAND_ANNOTATION]: null },
        };
        await cluster.patch(ref, { metadata }, options);
        return;
      } catch (err) {
        if (isKubeError(err, 'NotFound')) return;
        if (!isKubeError(err, 'Conflict')) throw err;
        latest = await cluster.read<Canary>(ref, options);
      }
    }
  }

  private async stop(canary: Canary, reason: string, problem: Problem): Promise<ReconcileOutcome> {
    await this.problem(canary, reason, problem);
    return { stepped: false, phase: canary.status?.phase };
  }

  /** Reports an expected problem: a Warning event every time, the condition only when it changes. */
  private async problem(canary: Canary, reason: string, problem: Problem): Promise<void> {
    const text = `${problem.message}; ${problem.fix}`;
    await this.event(canary, 'Warning', text);
    const status = withReconciledCondition(canary.status, { reason, message: text }, this.deps.clock.now());
    if (status !== canary.status) await this.writeStatus(canary, status);
  }

  private async clearProblem(canary: Canary): Promise<void> {
    const status = withReconciledCondition(canary.status, undefined, this.deps.clock.now());
    if (status !== canary.status) await this.writeStatus(canary, status);
  }

  private event(canary: Canary, type: 'Normal' | 'Warning', message: string): Promise<void> {
    return this.deps.events.record(canary, { type, reason: EVENT_REASON, message });
  }
}

function canaryRef(canary: Canary) {
  const namespace = canary.metadata?.namespace ?? '';
  return { apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND, namespace, name: canary.metadata?.name ?? '' };
}

/** Records what this tick's analysis measured (Serin's `status.lastAnalysis`); unchanged without one. */
function withLastAnalysis(
  status: CanaryStatus | undefined,
  outcomes: readonly CheckOutcome[] | undefined,
  now: number,
): CanaryStatus | undefined {
  if (!outcomes || outcomes.length === 0) return status;
  const checks = outcomes.map((o) => ({
    name: o.name,
    kind: o.kind ?? 'metric',
    passed: o.ok,
    ...(o.value !== undefined && Number.isFinite(o.value) ? { value: o.value } : {}),
    ...(o.ok ? {} : { message: o.message ?? o.reason }),
  }));
  return { ...status, lastAnalysis: { time: new Date(now).toISOString(), checks } };
}

/** The Canary changed between our read and our status write; retried by the queue. */
export class StatusConflict extends Error {
  constructor(canary: Canary) {
    super(`status of canary ${canary.metadata?.namespace}/${canary.metadata?.name} changed meanwhile; retrying`);
    this.name = 'StatusConflict';
  }
}
