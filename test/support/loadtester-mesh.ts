/**
 * Real HTTP into the simulated mesh: a loopback server standing in for the Services `<apex>`,
 * `<apex>-primary` and `<apex>-canary` (the load tester's connections to those names are routed
 * here, as cluster DNS and kube-proxy would). Each request is served by a Ready pod of the side its
 * Host names — the apex by the VirtualRouter weights — with that pod's behaviour (error rate,
 * latency from its ConfigMap), and recorded with the traffic simulator's telemetry, so the Envoy
 * series of the pods that served it count it exactly as they count the simulator's own traffic.
 * Prometheus scrapes `/metrics` here next to the simulator's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster } from '../../src/kube/cluster.js';
import { checkBehaviour, sampleLatencyMs, type BehaviourOf } from '../sim/behaviour.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from '../sim/exposition.js';
import { readAppMeshRouting, SIDES, type Side } from '../sim/routing.js';
import { pickWeighted, seededRandom } from '../sim/seeded-random.js';
import { MeshTelemetry } from '../sim/telemetry.js';

/** Requests one side got through the ingress. */
export interface IngressCounts {
  requests: number;
  /** Answered with a 5xx by a pod. */
  errors: number;
  /** No Ready pod on that side: answered 503, as Envoy's no_healthy_upstream. */
  unrouted: number;
}

/** What the ingress serves. */
export interface MeshIngressOptions {
  readonly namespace: string;
  readonly apex: string;
  readonly port: number;
  readonly behaviour: BehaviourOf;
  /** Mesh name in Envoy cluster names; default `global`, the seed's. */
  readonly mesh?: string;
}

/** The Service names of one apex, served by one loopback HTTP server. */
export class MeshIngress {
  readonly counts: Record<Side, IngressCounts> = {
    primary: { requests: 0, errors: 0, unrouted: 0 },
    canary: { requests: 0, errors: 0, unrouted: 0 },
  };
  /** Requests by path, both sides. */
  readonly paths = new Map<string, number>();
  private readonly telemetry = new MeshTelemetry();
  private readonly random = seededRandom(11);
  private readonly cursors: Record<Side, number> = { primary: 0, canary: 0 };
  private server: Server | undefined;

  constructor(
    private readonly deps: { readonly cluster: Cluster },
    private readonly options: MeshIngressOptions,
  ) {}

  /** `127.0.0.1:<port>`: where connections to the Services go, and the scrape target. */
  get address(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('MeshIngress: not started');
    return `127.0.0.1:${address.port}`;
  }

  get port(): number {
    return Number(this.address.split(':')[1]);
  }

  /** The Service names this ingress answers for, fully qualified. */
  serviceNames(): string[] {
    const { apex, namespace } = this.options;
    return [apex, `${apex}-primary`, `${apex}-canary`].map((s) => `${s}.${namespace}.svc.cluster.local`);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (host === '127.0.0.1' && path === '/metrics') {
      res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE }).end(renderExposition(this.telemetry.families()));
      return;
    }
    req.resume();
    req.on('end', () => this.serve(host, path, res));
  }

  private serve(host: string, path: string, res: ServerResponse): void {
    const { apex, namespace, port, mesh = 'global' } = this.options;
    const service = host.split('.')[0] ?? '';
    const routing = readAppMeshRouting(this.deps.cluster, namespace, apex, { mesh, port });
    let side: Side | undefined =
      service === `${apex}-canary` ? 'canary' : service === `${apex}-primary` ? 'primary' : undefined;
    if (service === apex && routing)
      side = SIDES[pickWeighted([routing.primary.weight, routing.canary.weight], this.random) ?? 0];
    if (!side || !routing) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no service ${host} in the simulated mesh\n`);
      return;
    }
    this.paths.set(path, (this.paths.get(path) ?? 0) + 1);
    const counts = this.counts[side];
    const pods = routing[side].pods;
    if (pods.length === 0) {
      counts.unrouted += 1;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy upstream\n');
      return;
    }
    const pod = pods[this.cursors[side]++ % pods.length]!;
    const behaviour = checkBehaviour(this.options.behaviour(pod, this.deps.cluster), `pod ${pod.metadata.name}`);
    const failed = this.random() < behaviour.errorRate;
    const status = failed ? (behaviour.errorStatus ?? 500) : 200;
    const latencyMs = sampleLatencyMs(behaviour.latencyMs, this.random);
    counts.requests += 1;
    if (status >= 500) counts.errors += 1;
    this.telemetry.record(pod, routing[side].envoyCluster, status, latencyMs);
    setTimeout(() => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ pod: pod.metadata.name, path }));
    }, latencyMs);
  }
}
