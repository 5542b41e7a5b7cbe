import { pino } from 'pino';
import type { CanaryController } from '../controller/controller.js';
import { analysisIntervalMs } from '../engine/index.js';
import type { KubeObject } from '../kube/objects.js';
import { createValidators, type Validators } from '../api/index.js';
import { composeController } from '../operator/compose.js';
import { providerRegistry } from '../routers/providers.js';
import type { RouterSet } from '../routers/registry.js';
import { TargetRegistry } from '../targets/registry.js';
import { MemoryCluster } from './memory-cluster.js';
import type { Scenario } from './scenario.js';
import { ScenarioMetrics, scenarioWebhooks } from './scenario-checks.js';
import { VirtualClock } from './virtual-clock.js';
import { WorkloadSimulator } from './workloads.js';

/**
 * One set of Canary validators for every simulated world of this process (the demo's scenarios, a
 * fleet, the tests): compiling the schemas took most of a 30-minute release's wall time. What they
 * keep between calls is results by frozen spec object, and no two worlds share a spec object.
 */
let validators: Validators | undefined;
function sharedValidators(): Validators {
  return (validators ??= createValidators());
}

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
        metrics: new ScenarioMetrics(this.workloads, options.scenario),
        callWebhook: scenarioWebhooks(options.scenario),
        // The scenario's metrics always answer: the operator's provider check passes, as it says.
        checkProviders: () => Promise.resolve({ ok: true }),
        validators: sharedValidators(),
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

  /**
   * Waits until a full round of async work changes nothing in the cluster and no reconcile is
   * queued. The wait for the controller comes first: a timer's reconcile usually finishes there,
   * and one round of the event loop then confirms that nothing else follows (two rounds per timer
   * were 7% of a 1,000-canary simulation, spent idle in the event loop).
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      await this.controller.idle();
      const before = this.cluster.version();
      await new Promise((r) => setImmediate(r));
      await this.controller.idle();
      if (this.cluster.version() === before) return;
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
