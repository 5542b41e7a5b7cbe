/**
 * The seed's system with `serin loadtester` in it, on the real cluster: the account app and its
 * Canary (whose webhooks the test chooses), the mesh traffic simulator and a real Prometheus, the
 * operator, and a load tester in this process. Two name tables stand in for cluster DNS: the
 * operator's webhook calls to `flagger-loadtester.<ns>` reach the load tester, and the load
 * tester's requests to `account[-canary|-primary].<ns>` reach the simulated mesh's ingress.
 */
import http from 'node:http';
import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { applyObjects } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { startLoadTester, type RunningLoadTester } from '../../src/loadtester/server.js';
import { parseLoadTesterFlags } from '../../src/loadtester/settings.js';
import type { Routes } from '../../src/loadtester/targets.js';
import type { RunningOperator } from '../../src/operator/operator.js';
import { fromConfigMap, MeshTrafficSimulator, simulatorKinds } from '../sim/index.js';
import { ReadinessProber, readyFromConfigMap } from '../sim/readiness-prober.js';
import { startApiCluster, testKubeConfig } from './cluster.js';
import { MeshIngress } from './loadtester-mesh.js';
import { startTestOperator } from './operator.js';
import { startPrometheus, type TestPrometheus } from './prometheus.js';
import { seedWorldObjects, type SeedWorldOptions } from './seed-world.js';

/** One line the load tester logged (pino JSON). */
export type LogLine = Record<string, unknown> & { readonly msg: string };

/** A load tester in this process, with its log lines. */
export interface TestLoadTester extends RunningLoadTester {
  readonly logs: LogLine[];
  /** `http://flagger-loadtester.<ns>`: the address Canaries call it by. */
  readonly serviceUrl: string;
}

export interface LoadTesterWorld {
  readonly ns: string;
  readonly operator: RunningOperator;
  readonly prometheus: TestPrometheus;
  readonly simulator: MeshTrafficSimulator;
  readonly ingress: MeshIngress;
  readonly loadtester: TestLoadTester;
  apply(...objects: KubeObject[]): Promise<void>;
}

export interface LoadTesterWorldOptions extends SeedWorldOptions {
  /** Simulated requests per second to the apex; default 200. */
  readonly rps?: number;
  /** Extra `serin loadtester` flags, as commander would hand them over. */
  readonly flags?: Record<string, unknown>;
  /** Objects to apply instead of the seed world's (the Canary as written, say). */
  readonly objects?: KubeObject[];
}

/**
 * Routes this process's outgoing HTTP through the default agent (the operator's webhook calls) for
 * `names` (host → port on 127.0.0.1); every other host goes where it says. Undone when `t` ends.
 */
export function installTestDns(t: TestContext, names: Readonly<Record<string, number>>): void {
  const previous = http.globalAgent;
  class NameTableAgent extends http.Agent {
    override createConnection(options: http.ClientRequestArgs): Socket {
      const tcp = options as TcpNetConnectOpts;
      const port = names[tcp.host ?? ''];
      return connect(port === undefined ? tcp : { ...tcp, host: '127.0.0.1', port });
    }
  }
  http.globalAgent = new NameTableAgent({ keepAlive: true });
  t.after(() => {
    http.globalAgent.destroy();
    http.globalAgent = previous;
  });
}

/** Starts `serin loadtester` in this process; its log lines are kept. `routes` stands in for cluster DNS. */
export async function startTestLoadTester(
  t: TestContext,
  ns: string,
  routes: Routes,
  flags: Record<string, unknown> = {},
): Promise<TestLoadTester> {
  const parsed = parseLoadTesterFlags({
    port: '0',
    address: '127.0.0.1',
    timeout: '1h',
    clusterDomain: 'cluster.local',
    allowTarget: ['cluster'],
    allowCommand: [],
    maxBodyBytes: '1048576',
    progressInterval: '10s',
    loadThreads: '0',
    logLevel: 'debug',
    ...flags,
  });
  if (!parsed.ok) throw new Error(`load tester flags: ${JSON.stringify(parsed.issues)}`);
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const running = await startLoadTester({ log: pino({ level: 'debug' }, sink), routes }, parsed.settings);
  t.after(() => running.stop());
  installTestDns(t, { [`flagger-loadtester.${ns}`]: running.port });
  return { ...running, logs, serviceUrl: `http://flagger-loadtester.${ns}` };
}

/** The whole system; see the file comment. */
export async function startLoadTesterWorld(
  t: TestContext,
  ns: string,
  options: LoadTesterWorldOptions = {},
): Promise<LoadTesterWorld> {
  const kc = testKubeConfig();
  const apply = (...objects: KubeObject[]) => applyObjects(kc, objects, 'gitops');
  const cluster = await startApiCluster(t, simulatorKinds(), ns);
  const behaviour = fromConfigMap('application.properties');
  const simulator = new MeshTrafficSimulator(
    { cluster },
    {
      namespace: ns,
      services: [{ apex: 'account', port: 8180 }],
      rps: options.rps ?? 200,
      tickMs: 250,
      behaviour,
      seed: 7,
    },
  );
  await simulator.start();
  t.after(() => simulator.stop());
  const ingress = new MeshIngress({ cluster }, { namespace: ns, apex: 'account', port: 8180, behaviour });
  await ingress.start();
  t.after(() => ingress.stop());
  const prober = new ReadinessProber(
    { cluster },
    { namespace: ns, ready: readyFromConfigMap('application.properties') },
  );
  prober.start();
  t.after(() => prober.stop());
  const prometheus = await startPrometheus({
    targets: [new URL(simulator.url).host, ingress.address],
    scrapeInterval: '500ms',
  });
  t.after(() => prometheus.stop());
  const routes = Object.fromEntries(
    ingress.serviceNames().map((name) => [name, { host: '127.0.0.1', port: ingress.port }]),
  );
  const loadtester = await startTestLoadTester(t, ns, routes, options.flags);
  await apply(...(options.objects ?? seedWorldObjects(ns, options)));
  const operator = await startTestOperator(t, ns, { metricsServer: prometheus.url });
  return { ns, operator, prometheus, simulator, ingress, loadtester, apply };
}

/** One instant-vector query's value (the sum of every series), or 0 when nothing matched. */
export async function promValue(prometheus: TestPrometheus, query: string): Promise<number> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result.reduce((sum, r) => sum + Number(r.value[1]), 0);
}

/** A sample of the load tester's own /metrics (summed over the series matching every label given). */
export async function loadTesterMetric(
  tester: RunningLoadTester,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${tester.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}
