import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlPlaneFiles } from './binaries.js';
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  schedulerArgs,
  type ClusterPorts,
} from './component-args.js';
import { fetchText, type ClientTls, type HttpResult } from './http.js';
import { kwokStagesConfig } from './kwok-stages.js';
import { createPki, renderKubeconfig, type Pki } from './pki.js';
import { freePorts, isAlive, logTail, sleep, startProcess, stopProcess, type ComponentProcess } from './processes.js';

/** What a running local cluster is made of; saved as cluster.json in its state folder. */
export interface LocalCluster {
  readonly stateDir: string;
  readonly kubeconfig: string;
  readonly apiserverUrl: string;
  readonly ports: ClusterPorts;
  readonly processes: readonly ComponentProcess[];
  /** Milliseconds from the first process start to a Ready node. */
  readonly startupMs: number;
}

/** What `startLocalCluster` needs: where to keep state, which binaries to run, where progress goes. */
export interface StartOptions {
  readonly stateDir: string;
  readonly files: ControlPlaneFiles;
  readonly onProgress: (line: string) => void;
  /** Deadline for each component to become ready. Default 90 s (a cold apiserver on 2 cores). */
  readonly componentTimeoutMs?: number;
  /** More kube-apiserver flags, after the ones it always gets (bench/scale adds an audit log). */
  readonly apiserverExtraArgs?: readonly string[];
  /** Pods the fake node takes. Default 250 (bench/scale runs thousands). */
  readonly nodePods?: number;
}

/** The name of the fake node kwok manages. */
export const NODE_NAME = 'kwok-node-0';

const STATE_FILE = 'cluster.json';

class ComponentFailed extends Error {}

async function waitFor(what: ComponentProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(what.pid)) {
      throw new ComponentFailed(
        `${what.name} exited during start-up; last lines of ${what.log}:\n${logTail(what.log)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new ComponentFailed(
        `${what.name} not ready after ${timeoutMs / 1000} s; last lines of ${what.log}:\n${logTail(what.log)}`,
      );
    }
    await sleep(250);
  }
}

async function loadTls(pki: Pki): Promise<ClientTls> {
  return {
    ca: await readFile(pki.caCert),
    cert: await readFile(pki.adminCert),
    key: await readFile(pki.adminKey),
  };
}

function nodeManifest(pods: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    // kwok gives each pod an address from here: room for 65,000.
    spec: { podCIDR: '10.244.0.0/16', podCIDRs: ['10.244.0.0/16'] },
    status: {
      addresses: [{ type: 'InternalIP', address: '192.0.2.10' }],
      allocatable: { cpu: '32', memory: '256Gi', pods: String(pods) },
      capacity: { cpu: '32', memory: '256Gi', pods: String(pods) },
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' },
    },
  });
}

/** Where a start in progress puts things and how it reaches them; shared by the start-up steps. */
interface Launch {
  readonly stateDir: string;
  readonly logs: string;
  readonly files: ControlPlaneFiles;
  readonly ports: ClusterPorts;
  readonly pki: Pki;
  readonly tls: ClientTls;
  readonly kubeconfig: string;
  readonly apiserverUrl: string;
  readonly timeoutMs: number;
  readonly onProgress: (line: string) => void;
  readonly apiserverExtraArgs: readonly string[];
  readonly nodePods: number;
  /** Components in start order: saved in cluster.json, stopped in reverse if start-up fails. */
  readonly processes: ComponentProcess[];
}

async function allocatePorts(): Promise<ClusterPorts> {
  const [etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok };
}

/** Empties the state folder, picks ports and writes fresh certificates and the admin kubeconfig. */
async function prepareLaunch(options: StartOptions): Promise<Launch> {
  const { stateDir, files, onProgress } = options;
  const timeoutMs = options.componentTimeoutMs ?? 90_000;
  await rm(stateDir, { recursive: true, force: true });
  const logs = join(stateDir, 'logs');
  await mkdir(logs, { recursive: true });
  const ports = await allocatePorts();
  onProgress('[cluster] creating certificates');
  const pki = await createPki(join(stateDir, 'pki'));
  const tls = await loadTls(pki);
  const kubeconfig = join(stateDir, 'kubeconfig');
  await writeFile(kubeconfig, await renderKubeconfig(pki, ports.apiserver), { mode: 0o600 });
  const apiserverUrl = `https://127.0.0.1:${ports.apiserver}`;
  const apiserverExtraArgs = options.apiserverExtraArgs ?? [];
  const nodePods = options.nodePods ?? 250;
  return {
    ...{ stateDir, logs, files, ports, pki, tls, kubeconfig, apiserverUrl, timeoutMs, onProgress },
    ...{ apiserverExtraArgs, nodePods, processes: [] },
  };
}

/** Starts one component with its log in the logs folder and records it for saving and clean-up. */
function startComponent(
  launch: Launch,
  name: string,
  bin: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): ComponentProcess {
  const p = startProcess(name, bin, args, { log: join(launch.logs, `${name}.log`), ...(env ? { env } : {}) });
  launch.processes.push(p);
  return p;
}

/** One request to the local apiserver as admin. */
function api(launch: Launch, path: string, init: { method?: string; body?: string } = {}): Promise<HttpResult> {
  return fetchText(`${launch.apiserverUrl}${path}`, { tls: launch.tls, ...init });
}

/** A readiness probe: does a GET of `url` answer 200? */
function answers200(url: string, options: { insecure?: boolean } = {}): () => Promise<boolean> {
  return async () => (await fetchText(url, options)).status === 200;
}

/** A readiness probe: does a GET of `path` on the apiserver answer 200? */
function apiAnswers200(launch: Launch, path: string): () => Promise<boolean> {
  return async () => (await api(launch, path)).status === 200;
}

async function startEtcd(launch: Launch): Promise<void> {
  const { etcd } = launch.ports;
  launch.onProgress(`[cluster] starting etcd on 127.0.0.1:${etcd}`);
  const proc = startComponent(launch, 'etcd', launch.files.bin.etcd, etcdArgs(launch.stateDir, launch.ports));
  await waitFor(proc, answers200(`http://127.0.0.1:${etcd}/health`), launch.timeoutMs);
}

async function startApiserver(launch: Launch): Promise<void> {
  launch.onProgress(`[cluster] starting kube-apiserver on ${launch.apiserverUrl}`);
  const args = [...apiserverArgs(launch.ports, launch.pki), ...launch.apiserverExtraArgs];
  const proc = startComponent(launch, 'kube-apiserver', launch.files.bin.kubeApiserver, args);
  await waitFor(proc, apiAnswers200(launch, '/readyz'), launch.timeoutMs);
  // /readyz can pass before the system-namespaces controller has created `default`, where clients first write.
  await waitFor(proc, apiAnswers200(launch, '/api/v1/namespaces/default'), launch.timeoutMs);
}

async function startControllerManagerAndScheduler(launch: Launch): Promise<void> {
  const { ports, kubeconfig, pki, files, timeoutMs } = launch;
  launch.onProgress('[cluster] starting kube-controller-manager and kube-scheduler');
  const kcmArgs = controllerManagerArgs(kubeconfig, ports, pki);
  const kcm = startComponent(launch, 'kube-controller-manager', files.bin.kubeControllerManager, kcmArgs);
  const sched = startComponent(launch, 'kube-scheduler', files.bin.kubeScheduler, schedulerArgs(kubeconfig, ports));
  // Both serve healthz with a self-signed certificate of their own, hence no verification.
  const healthz = (port: number) => answers200(`https://127.0.0.1:${port}/healthz`, { insecure: true });
  await waitFor(kcm, healthz(ports.controllerManager), timeoutMs);
  await waitFor(sched, healthz(ports.scheduler), timeoutMs);
}

/** Writes kwok's Stage config (upstream stages plus ours) into `kwokDir`; returns its path. */
async function writeKwokStages(kwokDir: string, stageFiles: readonly string[]): Promise<string> {
  await mkdir(kwokDir, { recursive: true });
  const stages = await Promise.all(stageFiles.map((f) => readFile(f, 'utf8')));
  const stagesFile = join(kwokDir, 'stages.yaml');
  await writeFile(stagesFile, kwokStagesConfig(stages));
  return stagesFile;
}

async function startKwok(launch: Launch): Promise<ComponentProcess> {
  const { ports, kubeconfig, pki, files } = launch;
  launch.onProgress(`[cluster] starting kwok (fake kubelet) on 127.0.0.1:${ports.kwok}`);
  const kwokDir = join(launch.stateDir, 'kwok');
  const stagesFile = await writeKwokStages(kwokDir, files.kwokStages);
  const args = kwokArgs(kubeconfig, stagesFile, ports, pki);
  // kwok also reads <workdir>/kwok.yaml; a private workdir keeps ~/.kwok out of our cluster.
  const proc = startComponent(launch, 'kwok', files.bin.kwok, args, { KWOK_WORKDIR: kwokDir });
  await waitFor(proc, answers200(`http://127.0.0.1:${ports.kwok}/healthz`), launch.timeoutMs);
  return proc;
}

/** Ready and without taints: kwok has taken the node over and pods can be scheduled onto it. */
async function nodeIsReady(launch: Launch): Promise<boolean> {
  const node = JSON.parse((await api(launch, `/api/v1/nodes/${NODE_NAME}`)).body) as {
    spec?: { taints?: unknown[] };
    status?: { conditions?: { type: string; status: string }[] };
  };
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return ready && (node.spec?.taints ?? []).length === 0;
}

/** Creates the fake node; `kwok` is what makes it Ready, so its death ends the wait early. */
async function createReadyNode(launch: Launch, kwok: ComponentProcess): Promise<void> {
  launch.onProgress(`[cluster] creating node ${NODE_NAME} and waiting for it to be Ready`);
  const created = await api(launch, '/api/v1/nodes', { method: 'POST', body: nodeManifest(launch.nodePods) });
  if (created.status !== 201) throw new Error(`creating node ${NODE_NAME}: HTTP ${created.status} ${created.body}`);
  await waitFor(kwok, () => nodeIsReady(launch), launch.timeoutMs);
}

/** Writes cluster.json, which `readLocalCluster` and `stopLocalCluster` work from later. */
async function saveCluster(launch: Launch, startupMs: number): Promise<LocalCluster> {
  const { stateDir, kubeconfig, apiserverUrl, ports, processes } = launch;
  const cluster: LocalCluster = { stateDir, kubeconfig, apiserverUrl, ports, processes, startupMs };
  await writeFile(join(stateDir, STATE_FILE), JSON.stringify(cluster, null, 2) + '\n');
  launch.onProgress(`[cluster] ready in ${(cluster.startupMs / 1000).toFixed(1)} s; KUBECONFIG=${kubeconfig}`);
  return cluster;
}

/** Stops a failed start's components; SIGTERM goes newest first, then all are awaited together. */
async function stopStarted(processes: readonly ComponentProcess[]): Promise<void> {
  await Promise.all([...processes].reverse().map((p) => stopProcess(p.pid)));
}

/**
 * Starts etcd → kube-apiserver → kube-controller-manager + kube-scheduler → kwok on 127.0.0.1 with
 * free ports, fresh certificates and a fresh data folder, creates one fake Node and waits until it
 * is Ready. On any failure it stops what it started and throws with the failing component's log tail.
 */
export async function startLocalCluster(options: StartOptions): Promise<LocalCluster> {
  const launch = await prepareLaunch(options);
  const started = Date.now();
  try {
    await startEtcd(launch);
    await startApiserver(launch);
    await startControllerManagerAndScheduler(launch);
    const kwok = await startKwok(launch);
    await createReadyNode(launch, kwok);
    return await saveCluster(launch, Date.now() - started);
  } catch (err) {
    await stopStarted(launch.processes);
    throw err;
  }
}

/** Reads the saved description of a cluster started in `stateDir`, if there is one. */
export async function readLocalCluster(stateDir: string): Promise<LocalCluster | undefined> {
  const file = join(stateDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as LocalCluster;
}

/** Stops the components in reverse start order and, unless `keepState`, deletes the state folder. */
export async function stopLocalCluster(cluster: LocalCluster, options: { keepState?: boolean } = {}): Promise<void> {
  for (const p of [...cluster.processes].reverse()) await stopProcess(p.pid);
  if (!options.keepState) await rm(cluster.stateDir, { recursive: true, force: true });
}

/** Which of the cluster's processes are still running. */
export function runningComponents(cluster: LocalCluster): string[] {
  return cluster.processes.filter((p) => isAlive(p.pid)).map((p) => p.name);
}
