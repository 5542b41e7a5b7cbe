/**
 * A mesh traffic simulator for tests on the real local cluster, where kwok's pods run no process:
 * every tick it reads the routing object's weights and the Ready pods behind each side from the
 * cluster cache, sends synthetic requests split by those weights, lets each pod's behaviour decide
 * status and latency, and serves the resulting Envoy and app series on `/metrics` for a Prometheus
 * to scrape. See appmesh-lattice.md §2.4 for the blueprint and flagger-spec.md §7.1 for the queries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster } from '../../src/kube/cluster.js';
import { checkBehaviour, sampleLatencyMs, tickErrorRate, type BehaviourOf, type PodBehaviour } from './behaviour.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js';
import {
  POD,
  SIDES,
  TrafficProvider,
  readAppMeshRouting,
  readGatewayRouting,
  type ServiceRouting,
  type Side,
  type SimPod,
} from './routing.js';
import { pickWeighted, requestsThisTick, seededRandom, type Random } from './seeded-random.js';
import { MeshTelemetry } from './telemetry.js';

/** A service whose traffic is simulated. */
export interface SimulatedService {
  /** The apex name: VirtualRouter / HTTPRoute `<apex>`, backends `<apex>-primary` and `<apex>-canary`. */
  readonly apex: string;
  /** The service port; names the Envoy ingress cluster when the VirtualNode has no listener. */
  readonly port: number;
  /**
   * Share of the requests routed to the canary that reach it, 0..1; the rest go to the primary, as
   * outlier ejection or session affinity would send them. Default 1 (the weights as written): at
   * 0.5 a canary at weight 20 receives 10% of the requests.
   */
  readonly canaryShareFactor?: number;
}

/** The ports the simulator reads through. */
export interface MeshTrafficSimulatorDeps {
  /** Must cache `simulatorKinds(provider)` in `namespace`. */
  readonly cluster: Cluster;
}

/** Plain configuration, validated once by the constructor. */
export interface MeshTrafficSimulatorOptions {
  /** Namespace of the routing objects and pods. */
  readonly namespace: string;
  readonly services: readonly SimulatedService[];
  /** Requests per second sent to each service. */
  readonly rps: number;
  /** Tick period in ms, 1..60000; each tick sends `rps × tickMs / 1000` requests per service (fractions carry over). */
  readonly tickMs: number;
  /** Each Ready pod's error rate and latency, asked every tick (`fromConfigMap`, `fromAnnotation`, …). */
  readonly behaviour: BehaviourOf;
  /** Seed of the pseudo-random split, errors and latencies; default 1. Same seed, same traffic. */
  readonly seed?: number;
  /** Which routing object splits traffic; default `appmesh` (Envoy series emitted only for it). */
  readonly provider?: TrafficProvider;
  /** Mesh name in Envoy cluster names when a VirtualNode has no `meshRef`; default `global` (the seed's). */
  readonly mesh?: string;
  /** Ticks `start()` runs before it stops ticking on its own; default 10 minutes' worth. */
  readonly maxTicks?: number;
  /** Refuses options that would send more per tick per service; default 100000. */
  readonly maxRequestsPerTick?: number;
}

/** Requests one side got, cumulative. */
export interface SideCounts {
  requests: number;
  /** Requests answered with a 5xx. */
  errors: number;
  /** Requests routed to a side with no Ready pod (a real caller's Envoy answers 503 no_healthy_upstream). */
  unrouted: number;
}

/** Requests one pod got, cumulative. */
export interface PodCounts {
  readonly side: Side;
  requests: number;
  errors: number;
}

/** A service's cumulative counts and the weights of the last tick. */
export interface ServiceSnapshot {
  /** Weights read on the last tick; undefined when there was no routing object. */
  weights: Readonly<Record<Side, number>> | undefined;
  readonly primary: SideCounts;
  readonly canary: SideCounts;
  /** By pod name. */
  readonly pods: Record<string, PodCounts>;
}

/** What the simulator has done so far (a copy; later ticks do not change it). */
export interface SimulatorSnapshot {
  readonly ticks: number;
  readonly services: Readonly<Record<string, ServiceSnapshot>>;
  /** Behaviours that threw (their pod got no traffic that tick) and ticks that failed; at most 20. */
  readonly problems: readonly string[];
}

const MAX_PROBLEMS = 20;

interface Serving {
  readonly pod: SimPod;
  readonly behaviour: PodBehaviour;
  /** The pod's error rate this tick (its burst's on a burst tick). */
  readonly errorRate: number;
}

function validated(o: MeshTrafficSimulatorOptions): Required<MeshTrafficSimulatorOptions> {
  const fail = (what: string): never => {
    throw new Error(`MeshTrafficSimulator: ${what}`);
  };
  if (!o.namespace) fail('namespace is empty');
  if (o.services.length === 0) fail('services is empty');
  for (const s of o.services) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.apex)) fail(`apex "${s.apex}" is not a DNS label`);
    if (!(Number.isInteger(s.port) && s.port > 0 && s.port < 65536)) fail(`port ${s.port} of ${s.apex} is not a port`);
    const factor = s.canaryShareFactor ?? 1;
    if (!(factor >= 0 && factor <= 1)) fail(`canaryShareFactor ${factor} of ${s.apex} must be 0..1`);
  }
  if (!(Number.isFinite(o.rps) && o.rps >= 0)) fail(`rps ${o.rps} must be a finite number ≥ 0`);
  if (!(Number.isInteger(o.tickMs) && o.tickMs >= 1 && o.tickMs <= 60_000)) fail(`tickMs ${o.tickMs} must be 1..60000`);
  const options = {
    seed: 1,
    provider: TrafficProvider.AppMesh,
    mesh: 'global',
    maxTicks: Math.ceil(600_000 / o.tickMs),
    maxRequestsPerTick: 100_000,
    ...o,
  };
  const perTick = Math.ceil((options.rps * options.tickMs) / 1000);
  if (perTick > options.maxRequestsPerTick) {
    fail(
      `rps ${o.rps} × tickMs ${o.tickMs} sends ${perTick} requests a tick, over maxRequestsPerTick ${options.maxRequestsPerTick}`,
    );
  }
  return Object.freeze(options);
}

function emptyService(): ServiceSnapshot {
  return {
    weights: undefined,
    primary: { requests: 0, errors: 0, unrouted: 0 },
    canary: { requests: 0, errors: 0, unrouted: 0 },
    pods: {},
  };
}

/** Simulated mesh traffic over the routing objects and Ready pods of a real (or in-memory) cluster. */
export class MeshTrafficSimulator {
  private readonly options: Required<MeshTrafficSimulatorOptions>;
  private readonly random: Random;
  private readonly telemetry = new MeshTelemetry();
  private readonly services = new Map<string, ServiceSnapshot>();
  /** Round-robin position per service and side, as Envoy's default load balancer spreads requests. */
  private readonly cursors = new Map<string, number>();
  private readonly problems: string[] = [];
  /** This tick's draws of shared error bursts (see `tickErrorRate`). */
  private readonly sharedBursts = new Map<string, boolean>();
  private ticks = 0;
  private carry = 0;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: MeshTrafficSimulatorDeps,
    options: MeshTrafficSimulatorOptions,
  ) {
    this.options = validated(options);
    this.random = seededRandom(this.options.seed);
    for (const s of this.options.services) this.services.set(s.apex, emptyService());
  }

  /** `http://127.0.0.1:<port>/metrics` once started. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('MeshTrafficSimulator: not started');
    return `http://127.0.0.1:${address.port}/metrics`;
  }

  /** Serves `/metrics` on a free loopback port and ticks every `tickMs` until `maxTicks` or `stop()`. */
  async start(): Promise<void> {
    if (this.server) throw new Error('MeshTrafficSimulator: already started');
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served\n');
        return;
      }
      res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE }).end(req.method === 'GET' ? this.render() : '');
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    // Neither the server nor the timer keeps a test process alive if a test forgets stop().
    server.unref();
    this.timer = setInterval(() => this.timedTick(), this.options.tickMs);
    this.timer.unref();
  }

  /** Stops ticking and closes the server (scrapers' keep-alive connections included). Idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The current exposition text, as `/metrics` serves it. */
  render(): string {
    return renderExposition(this.telemetry.families());
  }

  /** A deep copy of the counts so far. */
  snapshot(): SimulatorSnapshot {
    return structuredClone({
      ticks: this.ticks,
      services: Object.fromEntries(this.services),
      problems: this.problems,
    });
  }

  /** One tick now: what the timer does, callable by tests that drive time themselves. */
  tick(): void {
    this.ticks += 1;
    const { count, carry } = requestsThisTick(this.options.rps, this.options.tickMs, this.carry);
    this.carry = carry;
    this.sharedBursts.clear();
    for (const service of this.options.services) this.tickService(service, count);
    const pods = this.deps.cluster.list<SimPod>(POD, this.options.namespace);
    this.telemetry.retain(new Set(pods.map((p) => p.metadata.uid ?? `${p.metadata.namespace}/${p.metadata.name}`)));
  }

  private timedTick(): void {
    if (this.ticks >= this.options.maxTicks) {
      clearInterval(this.timer);
      return;
    }
    try {
      this.tick();
    } catch (err) {
      // A throw inside a timer would take the whole test process down; the test sees it in the snapshot.
      this.problem(`tick ${this.ticks}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS && !this.problems.includes(text)) this.problems.push(text);
  }

  private routing(service: SimulatedService): ServiceRouting | undefined {
    const { cluster } = this.deps;
    const { namespace, mesh, provider } = this.options;
    return provider === TrafficProvider.AppMesh
      ? readAppMeshRouting(cluster, namespace, service.apex, { mesh, port: service.port })
      : readGatewayRouting(cluster, namespace, service.apex);
  }

  /** The Ready pods of a side that can answer this tick; a pod whose behaviour throws sits it out. */
  private serving(routing: ServiceRouting, side: Side): Serving[] {
    return routing[side].pods.flatMap((pod) => {
      try {
        const behaviour = checkBehaviour(this.options.behaviour(pod, this.deps.cluster), `pod ${pod.metadata.name}`);
        // Drawn only for pods with a burst, so that traffic without bursts replays as before.
        return [{ pod, behaviour, errorRate: tickErrorRate(behaviour, this.random, this.sharedBursts) }];
      } catch (err) {
        this.problem(err instanceof Error ? err.message : String(err));
        return [];
      }
    });
  }

  private tickService(service: SimulatedService, count: number): void {
    const state = this.services.get(service.apex) ?? emptyService();
    const routing = this.routing(service);
    state.weights = routing && { primary: routing.primary.weight, canary: routing.canary.weight };
    if (!routing) return;
    const serving = { primary: this.serving(routing, 'primary'), canary: this.serving(routing, 'canary') };
    const weights = sharedWeights(routing, service.canaryShareFactor ?? 1);
    for (let i = 0; i < count; i++) {
      const index = pickWeighted(weights, this.random);
      // Every weight 0: the route sends nothing this tick.
      if (index === undefined) return;
      const side = SIDES[index]!;
      const counts = state[side];
      const targets = serving[side];
      if (targets.length === 0) {
        counts.unrouted += 1;
        continue;
      }
      const cursorKey = `${service.apex}/${side}`;
      const position = (this.cursors.get(cursorKey) ?? 0) % targets.length;
      this.cursors.set(cursorKey, position + 1);
      const { pod, behaviour, errorRate } = targets[position]!;
      const failed = this.random() < errorRate;
      const status = failed ? (behaviour.errorStatus ?? 500) : 200;
      const latencyMs = sampleLatencyMs(behaviour.latencyMs, this.random);
      this.telemetry.record(pod, routing[side].envoyCluster, status, latencyMs);
      const name = pod.metadata.name ?? '';
      const podCounts = (state.pods[name] ??= { side, requests: 0, errors: 0 });
      counts.requests += 1;
      podCounts.requests += 1;
      if (status >= 500) {
        counts.errors += 1;
        podCounts.errors += 1;
      }
    }
  }
}

/**
 * The weights requests are drawn by, in `SIDES` order: as routed, except that `1 − factor` of the
 * canary's weight goes to the primary instead.
 */
function sharedWeights(routing: ServiceRouting, factor: number): number[] {
  const { primary, canary } = { primary: routing.primary.weight, canary: routing.canary.weight };
  if (factor === 1) return SIDES.map((side) => routing[side].weight);
  return SIDES.map((side) => (side === 'canary' ? canary * factor : primary + canary * (1 - factor)));
}
