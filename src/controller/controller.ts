import type { Logger } from 'pino';
import { CANARY_KIND, COMMAND_ANNOTATION, FLAGGER_API_VERSION, PAUSED_ANNOTATION, type Canary } from '../api/index.js';
import type { Cluster, WatchEvent } from '../kube/cluster.js';
import { objectKey, type Gvk, type KubeObject } from '../kube/objects.js';
import type { Clock } from './clock.js';
import type { TargetSet } from '../targets/registry.js';
import type { Reconciler, Trigger } from './reconciler.js';
import { WorkQueue } from './work-queue.js';

export const CANARY_GVK: Gvk = { apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND };
/** Config kinds as the cluster names them → as tracked configs spell them (`status.trackedConfigs` keys). */
const CONFIG_KINDS: Readonly<Record<string, 'configmap' | 'secret'>> = { ConfigMap: 'configmap', Secret: 'secret' };

export interface ControllerOptions {
  /**
   * Analysis interval of a canary, ms (the tick period): a function of its spec, asked once per
   * frozen spec object (the caches' objects are frozen; every status write is a watch event).
   */
  readonly intervalMs: (canary: Canary) => number;
  /** Canaries reconciled at once (different canaries; one canary is never reconciled twice at once). */
  readonly concurrency?: number;
  /** Kinds of objects Canaries own (Services, routing objects) whose changes trigger a reconcile. */
  readonly ownedKinds: readonly Gvk[];
}

/**
 * The first pass over the canaries starts on four workers and doubles them every second (64 workers
 * after four seconds): measured at 1,000 and 5,000 canaries, 56 initializations started at once held
 * the first canary's primary behind all their writes, 3–4.6 s to the first `Initialized` against 1.6 s
 * on four workers (docs/performance.md).
 */
export const FIRST_PASS_RAMP = { initial: 4, everyMs: 1_000 } as const;

interface Timer {
  readonly intervalMs: number;
  readonly handle: { cancel(): void };
  /** When it is due (clock ms): the next tick is due one interval after, however long this one took. */
  readonly dueAt: number;
}

/**
 * Drives the reconciler: one work queue keyed by canary, a timer per canary at its analysis
 * interval, and watches that turn a change of a Canary spec, its target workload (of any kind the
 * target registry serves) or a ConfigMap or Secret the target uses into an immediate reconcile — so a new revision is noticed from the
 * watch event, not at the next tick.
 */
export class CanaryController {
  private readonly queue: WorkQueue;
  private readonly timers = new Map<string, Timer>();
  private readonly dueTicks = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  /** `namespace/targetName` → keys of the canaries whose target it is (a Deployment event finds them at once). */
  private readonly byTarget = new Map<string, Set<string>>();
  /** Key → the target index entry each canary is filed under. */
  private readonly targetOf = new Map<string, string>();
  /** Tick periods by frozen spec object. */
  private readonly intervals = new WeakMap<object, number>();

  constructor(
    private readonly deps: {
      readonly cluster: Cluster;
      readonly reconciler: Reconciler;
      readonly targets: TargetSet;
      readonly clock: Clock;
      readonly log: Logger;
      /**
       * Hears each reconcile start (a tick's with how late it started against its schedule, ms); the
       * function it returns hears the end (the operator's metrics).
       */
      readonly onReconcile?: (key: string, trigger: Trigger, lateMs?: number) => (result: 'success' | 'error') => void;
    },
    private readonly options: ControllerOptions,
  ) {
    this.queue = new WorkQueue(
      (key) => this.work(key),
      (key, err) => deps.log.error({ canary: key, err }, 'reconcile failed; retrying'),
      {
        concurrency: options.concurrency ?? 4,
        rampUp: FIRST_PASS_RAMP,
        setTimer: (fn, ms) => deps.clock.setTimer(fn, ms),
      },
    );
  }

  /** Subscribes to the caches (which must be started) and schedules every existing canary. */
  start(): void {
    const { cluster } = this.deps;
    const { targets } = this.deps;
    const own = new Set(targets.registry.kindNames());
    // The kinds come from the registered targets: their workloads, the configs they use, and what
    // else they write (HPAs); anything a Canary owns that someone else changes is put right at once.
    const handler = (gvk: Gvk) =>
      own.has(gvk.kind)
        ? (e: WatchEvent) => this.onTarget(e, gvk.kind)
        : CONFIG_KINDS[gvk.kind]
          ? (e: WatchEvent) => this.onConfig(e)
          : (e: WatchEvent) => this.onOwned(e);
    const watched = [...targets.registry.kinds(), ...this.options.ownedKinds];
    this.unsubscribe.push(
      cluster.subscribe(CANARY_GVK, (e) => this.onCanary(e)),
      ...watched
        .filter((gvk, i) => watched.findIndex((g) => g.kind === gvk.kind && g.apiVersion === gvk.apiVersion) === i)
        .map((gvk) => cluster.subscribe(gvk, handler(gvk))),
    );
    for (const canary of cluster.list<Canary>(CANARY_GVK)) {
      this.index(canary);
      this.schedule(keyOf(canary), 0);
    }
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
    this.queue.stop();
  }

  /** Canaries waiting in the work queue for a worker. */
  queueDepth(): number {
    return this.queue.waiting;
  }

  /** Resolves when no reconcile is queued or running (for tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private onCanary(event: WatchEvent): void {
    const canary = event.object as unknown as Canary;
    const key = keyOf(canary);
    if (event.type === 'deleted') {
      this.unindex(key);
      this.timers.get(key)?.handle.cancel();
      this.timers.delete(key);
      this.queue.forget(key);
      return;
    }
    const old = event.old as unknown as Canary | undefined;
    // Filed again only when its target may have changed (not on each of our status writes).
    if (
      event.type === 'added' ||
      old?.spec?.targetRef?.name !== canary.spec?.targetRef?.name ||
      !this.targetOf.has(key)
    ) {
      this.index(canary);
    }
    if (event.type === 'added') {
      this.schedule(key, 0);
      return;
    }
    // Our own status writes also arrive here; what matters is a spec change (a new generation), a
    // deletion, and a person's request: `serin.dev/command` is acted on at once, not at the next tick.
    const deleting = Boolean(canary.metadata?.deletionTimestamp) && !old?.metadata?.deletionTimestamp;
    const before = old?.metadata?.annotations;
    const after = canary.metadata?.annotations;
    const asked =
      before !== after &&
      (before?.[COMMAND_ANNOTATION] !== after?.[COMMAND_ANNOTATION] ||
        before?.[PAUSED_ANNOTATION] !== after?.[PAUSED_ANNOTATION]);
    if (deleting || asked || old?.metadata?.generation !== canary.metadata?.generation) this.queue.add(key);
    // A new analysis interval takes effect now, not after the old one runs out.
    const timer = this.timers.get(key);
    if (timer && timer.intervalMs !== this.intervalMs(canary)) this.schedule(key, this.intervalMs(canary));
  }

  private onTarget(event: WatchEvent, kind: string): void {
    const { namespace, name = '' } = event.object.metadata;
    // The primary too: initialization finishes the moment the primary becomes ready.
    const targets = name.endsWith('-primary') ? [name, name.slice(0, -'-primary'.length)] : [name];
    for (const target of targets) {
      for (const key of this.byTarget.get(objectKey(namespace, target)) ?? []) {
        if (this.canaryByKey(key)?.spec?.targetRef?.kind === kind) this.queue.add(key);
      }
    }
  }

  /** Files a canary under its target's name (again, when its targetRef changed). */
  private index(canary: Canary): void {
    const key = keyOf(canary);
    const target = objectKey(canary.metadata?.namespace, canary.spec?.targetRef?.name ?? '');
    if (this.targetOf.get(key) === target) return;
    this.unindex(key);
    this.targetOf.set(key, target);
    let keys = this.byTarget.get(target);
    if (!keys) this.byTarget.set(target, (keys = new Set()));
    keys.add(key);
  }

  private unindex(key: string): void {
    const target = this.targetOf.get(key);
    if (target === undefined) return;
    this.targetOf.delete(key);
    const keys = this.byTarget.get(target);
    keys?.delete(key);
    if (keys?.size === 0) this.byTarget.delete(target);
  }

  private onConfig(event: WatchEvent): void {
    const { namespace, name = '' } = event.object.metadata;
    const kind = CONFIG_KINDS[event.object.kind];
    for (const canary of this.canariesIn(namespace)) {
      const target = this.deps.targets.forKind(canary.spec?.targetRef?.kind ?? '');
      if (!target) continue;
      const workload = this.deps.cluster.get<KubeObject>({
        ...target.gvk,
        namespace,
        name: canary.spec?.targetRef?.name ?? '',
      });
      if (workload && target.configRefs(workload).some((r) => r.kind === kind && r.name === name)) {
        this.queue.add(keyOf(canary));
      }
    }
  }

  private onOwned(event: WatchEvent): void {
    const owner = event.object.metadata.ownerReferences?.find((o) => o.controller && o.kind === CANARY_KIND);
    if (owner) this.queue.add(objectKey(event.object.metadata.namespace, owner.name));
  }

  private canariesIn(namespace: string | undefined): Canary[] {
    return this.deps.cluster.list<Canary>(CANARY_GVK, namespace);
  }

  /** (Re)arms the canary's tick timer to fire after `delayMs`. */
  private schedule(key: string, delayMs: number, canary = this.canaryByKey(key)): void {
    this.timers.get(key)?.handle.cancel();
    if (!canary) return;
    const intervalMs = this.intervalMs(canary);
    // Ticks (and the first pass at start) are routine: a change seen on a watch goes first.
    const handle = this.deps.clock.setTimer(() => {
      this.dueTicks.add(key);
      this.queue.add(key, 'routine');
    }, delayMs);
    this.timers.set(key, { intervalMs, handle, dueAt: this.deps.clock.now() + delayMs });
  }

  private async work(key: string): Promise<void> {
    const trigger = this.dueTicks.delete(key) ? 'tick' : 'change';
    const [namespace = '', name = ''] = key.split('/');
    const due = trigger === 'tick' ? this.timers.get(key)?.dueAt : undefined;
    const ended = this.deps.onReconcile?.(
      key,
      trigger,
      due === undefined ? undefined : Math.max(0, this.deps.clock.now() - due),
    );
    try {
      const outcome = await this.deps.reconciler.reconcile(namespace, name, trigger);
      ended?.('success');
      // A tick re-arms the timer; so does a change that started work, so the first analysis
      // step comes one interval after the new revision was noticed.
      if (trigger === 'tick' || outcome.stepped) this.rearm(key, trigger);
    } catch (err) {
      ended?.('error');
      if (trigger === 'tick') this.dueTicks.add(key); // the retry is still this tick
      throw err;
    }
  }

  /**
   * The next tick: one interval after this tick was due (a fixed rate, as Flagger's ticker: the time a
   * reconcile takes, its metric queries and writes, does not push every later step back), or after
   * now when that moment has passed (missed ticks are skipped, never run in a burst). A change that
   * started work puts the first step one interval after it was noticed.
   */
  private rearm(key: string, trigger: Trigger): void {
    const canary = this.canaryByKey(key);
    if (!canary) return;
    const intervalMs = this.intervalMs(canary);
    const timer = this.timers.get(key);
    const now = this.deps.clock.now();
    const next = trigger === 'tick' && timer?.intervalMs === intervalMs ? timer.dueAt + intervalMs : now + intervalMs;
    this.schedule(key, Math.max(0, next - now), canary);
  }

  /** The canary's tick period, kept per frozen spec. */
  private intervalMs(canary: Canary): number {
    const spec = canary.spec as object | undefined;
    if (!spec || !Object.isFrozen(spec)) return this.options.intervalMs(canary);
    let ms = this.intervals.get(spec);
    if (ms === undefined) this.intervals.set(spec, (ms = this.options.intervalMs(canary)));
    return ms;
  }

  private canaryByKey(key: string): Canary | undefined {
    const [namespace, name = ''] = key.split('/');
    return this.deps.cluster.get<Canary>({ ...CANARY_GVK, namespace, name });
  }
}

function keyOf(canary: Canary): string {
  return objectKey(canary.metadata?.namespace, canary.metadata?.name ?? '');
}
