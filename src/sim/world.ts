import { pino } from 'pino';
import { createValidators } from '../api/index.js';
import { CanaryController } from '../controller/controller.js';
import { EventRecorder } from '../controller/event-recorder.js';
import { Reconciler } from '../controller/reconciler.js';
import { analysisIntervalMs, judgeMetric } from '../engine/index.js';
import { CheckRunner } from '../hooks/check-runner.js';
import type { KubeObject } from '../kube/objects.js';
import { AppMeshRouter } from '../routers/appmesh.js';
import { KubernetesServices } from '../routers/kubernetes-services.js';
import type { TrafficRouter } from '../routers/router.js';
import { DeploymentTarget } from '../targets/deployment.js';
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
  /** Makes the in-memory cluster (tests use it to interleave a user's write with the operator's). */
  readonly cluster?: (now: () => number) => MemoryCluster;
}

/**
 * The operator's real parts — controller, reconciler, engine, Deployment target, Services, App Mesh
 * router — wired to an in-memory cluster, a virtual clock, a workload simulator and the scenario's
 * metric values and webhook answers. `serin simulate` and the benchmarks drive it.
 */
export class SimWorld {
  readonly clock: VirtualClock;
  readonly cluster: MemoryCluster;
  readonly routers: Readonly<Record<string, TrafficRouter>>;
  private readonly workloads: WorkloadSimulator;
  private readonly controller: CanaryController;

  constructor(readonly options: SimWorldOptions) {
    this.clock = new VirtualClock(options.startTime);
    const clock = this.clock;
    const now = () => clock.now();
    const cluster = (this.cluster = options.cluster?.(now) ?? new MemoryCluster({ now }));
    const log = pino({ enabled: false });
    this.workloads = new WorkloadSimulator({ cluster, clock }, options.scenario.versions);
    const appMesh = new AppMeshRouter({ cluster });
    this.routers = { appmesh: appMesh, 'appmesh:v1beta2': appMesh };
    const reconciler = new Reconciler(
      {
        cluster,
        target: new DeploymentTarget({ cluster }, {}),
        services: new KubernetesServices({ cluster }),
        router: (provider) => this.routers[provider],
        checks: new CheckRunner({
          metrics: new ScenarioMetrics(this.workloads),
          judge: judgeMetric,
          defaultProvider: options.defaultProvider,
          callWebhook: scenarioWebhooks(options.scenario),
        }),
        events: new EventRecorder({ cluster, clock }, () => undefined),
        clock,
        log,
        validate: createValidators().canary,
        // The scenario's metrics always answer: the operator's provider check passes, as it says.
        checkProviders: () => Promise.resolve({ ok: true }),
      },
      { defaultProvider: options.defaultProvider },
    );
    this.controller = new CanaryController(
      { cluster, reconciler, clock, log },
      { intervalMs: (c) => analysisIntervalMs(c.spec), ownedKinds: [], concurrency: options.concurrency ?? 4 },
    );
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
