import { pino } from 'pino';
import type { CanaryController } from '../controller/controller.js';
import { analysisIntervalMs } from '../engine/index.js';
import type { KubeObject } from '../kube/objects.js';
import { composeController } from '../operator/compose.js';
import { providerRegistry } from '../routers/providers.js';
import type { RouterSet } from '../routers/registry.js';
import { TargetRegistry } from '../targets/registry.js';
import { MemoryCluster } from './memory-cluster.js';
import type { Scenario } from './scenario.js';
import { ScenarioMetrics, scenarioWebhooks } from './scenario-checks.js';
import { VirtualClock } from './virtual-clock.js';
import { WorkloadSimulator } from './workloads.js';

export interface SimWorldOptions {
  readonly scenario: Scenario;
  /** Provider for a Canary that names none. */
  readonly defaultProvider: string;
  /** Virtual start time, ms since the epoch. */
  readonly startTime: number;
  /** Canaries reconciled at once. Default 4, as the operator. */
  readonly concurrency?: number;
  /** The workload targets; default every target this Serin has (tests wrap one to fail on purpose). */
  readonly targets?: TargetRegistry;
  /** Makes the in-memory cluster (tests use it to interleave a user's write with the operator's). */
  readonly cluster?: (now: () => number) => MemoryCluster;
}

/**
 * The operator's real parts — the same composition as `serin operator` (controller, reconciler,
 * engine, targets, Services, routers from the registries) — wired to an in-memory cluster, a
 * virtual clock, a workload simulator and the scenario's metric values and webhook answers.
 * `serin simulate` and the benchmarks drive it.
 */
export class SimWorld {
  readonly clock: VirtualClock;
  readonly cluster: MemoryCluster;
  /** The routers (and, through their registry, the provider of each canary). */
  readonly routers: RouterSet;
  private readonly workloads: WorkloadSimulator;
  private readonly controller: CanaryController;

  constructor(readonly options: SimWorldOptions) {
    this.clock = new VirtualClock(options.startTime);
    const clock = this.clock;
    const now = () => clock.now();
    const cluster = (this.cluster = options.cluster?.(now) ?? new MemoryCluster({ now }));
    this.workloads = new WorkloadSimulator({ cluster, clock }, options.scenario.versions);
    const providers = providerRegistry(options.defaultProvider);
    const composed = composeController(
      {
        cluster,
        clock,
        log: pino({ enabled: false }),
        providers,
        targets: options.targets ?? new TargetRegistry(),
        metrics: new ScenarioMetrics(this.workloads),
        callWebhook: scenarioWebhooks(options.scenario),
        // The scenario's metrics always answer: the operator's provider check passes, as it says.
        checkProviders: () => Promise.resolve({ ok: true }),
      },
      {
        target: {},
        concurrency: options.concurrency ?? 4,
        intervalMs: (c) => analysisIntervalMs(c.spec),
        watchOwned: false,
      },
    );
    this.routers = composed.routers;
    this.controller = composed.controller;
  }

  /** Creates the objects, starts the workloads and the controller, and lets everything settle. */
  async start(objects: readonly KubeObject[]): Promise<void> {
    for (const obj of objects) await this.cluster.create(obj);
    this.workloads.start();
    this.controller.start();
    await this.settle();
  }

  stop(): void {
    this.controller.stop();
    this.workloads.stop();
  }

  /** Waits until a full round of async work changes nothing in the cluster and no reconcile is queued. */
  async settle(): Promise<void> {
    let before = -1;
    for (let round = 0; round < 10_000; round++) {
      await new Promise((r) => setImmediate(r));
      await this.controller.idle();
      const now = this.cluster.version();
      if (now === before) return;
      before = now;
    }
    throw new Error('the simulation did not settle (a reconcile loop?)');
  }

  /**
   * Advances virtual time timer by timer (settling after each) until `done()` holds after a step,
   * no timer is left, or the next one is past `end`.
   */
  async run(end: number, done: () => boolean): Promise<void> {
    for (;;) {
      const next = this.clock.nextAt();
      if (next === undefined || next > end) break;
      await this.clock.advanceTo(next, () => this.settle());
      if (done()) break;
    }
  }
}
