import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlPlaneFiles } from './binaries.js';
import { fetchText, type ClientTls } from './http.js';
import { kwokStagesConfig } from './kwok-stages.js';
import { createPki, renderKubeconfig, type Pki } from './pki.js';
import { freePorts, isAlive, logTail, sleep, startProcess, stopProcess, type ComponentProcess } from './processes.js';

/** What a running local cluster is made of; saved as cluster.json in its state folder. */
export interface LocalCluster {
  readonly stateDir: string;
  readonly kubeconfig: string;
  readonly apiserverUrl: string;
  readonly ports: Readonly<
    Record<'etcd' | 'etcdPeer' | 'apiserver' | 'controllerManager' | 'scheduler' | 'kwok', number>
  >;
  readonly processes: readonly ComponentProcess[];
  /** Milliseconds from the first process start to a Ready node. */
  readonly startupMs: number;
}

export interface StartOptions {
  readonly stateDir: string;
  readonly files: ControlPlaneFiles;
  readonly onProgress: (line: string) => void;
  /** Deadline for each component to become ready. Default 90 s (a cold apiserver on 2 cores). */
  readonly componentTimeoutMs?: number;
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

function nodeManifest(): string {
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
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    status: {
      addresses: [{ type: 'InternalIP', address: '192.0.2.10' }],
      allocatable: { cpu: '32', memory: '256Gi', pods: '250' },
      capacity: { cpu: '32', memory: '256Gi', pods: '250' },
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' },
    },
  });
}

/**
 * Starts etcd → kube-apiserver → kube-controller-manager + kube-scheduler → kwok on 127.0.0.1 with
 * free ports, fresh certificates and a fresh data folder, creates one fake Node and waits until it
 * is Ready. On any failure it stops what it started and throws with the failing component's log tail.
 */
export async function startLocalCluster(options: StartOptions): Promise<LocalCluster> {
  const { stateDir, files, onProgress } = options;
  const timeoutMs = options.componentTimeoutMs ?? 90_000;
  await rm(stateDir, { recursive: true, force: true });
  const logs = join(stateDir, 'logs');
  await mkdir(logs, { recursive: true });
  const [etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ports = { etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok };
  onProgress('[cluster] creating certificates');
  const pki = await createPki(join(stateDir, 'pki'));
  const tls = await loadTls(pki);
  const kubeconfig = join(stateDir, 'kubeconfig');
  await writeFile(kubeconfig, await renderKubeconfig(pki, apiserver), { mode: 0o600 });
  const apiserverUrl = `https://127.0.0.1:${apiserver}`;
  const processes: ComponentProcess[] = [];
  const started = Date.now();
  const start = (name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): ComponentProcess => {
    const p = startProcess(name, bin, args, { log: join(logs, `${name}.log`), ...(env ? { env } : {}) });
    processes.push(p);
    return p;
  };
  const api = (path: string, init: { method?: string; body?: string } = {}) =>
    fetchText(`${apiserverUrl}${path}`, { tls, ...init });

  try {
    onProgress(`[cluster] starting etcd on 127.0.0.1:${etcd}`);
    const etcdProc = start('etcd', files.bin.etcd, [
      '--name=node0',
      `--data-dir=${join(stateDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcd}`,
      `--advertise-client-urls=http://127.0.0.1:${etcd}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=node0=http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster-state=new',
      '--auto-compaction-mode=periodic',
      '--auto-compaction-retention=1h',
      '--quota-backend-bytes=2147483648',
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await waitFor(etcdProc, async () => (await fetchText(`http://127.0.0.1:${etcd}/health`)).status === 200, timeoutMs);

    onProgress(`[cluster] starting kube-apiserver on ${apiserverUrl}`);
    const apiProc = start('kube-apiserver', files.bin.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcd}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiserver}`,
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      // Without the ServiceAccount plugin, pods do not wait for the KCM to create `default` SAs.
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
      // Two cores are shared with the operator and the tests: no request throttling in the way.
      '--enable-priority-and-fairness=false',
      '--max-requests-inflight=0',
      '--max-mutating-requests-inflight=0',
    ]);
    await waitFor(apiProc, async () => (await api('/readyz')).status === 200, timeoutMs);
    await waitFor(apiProc, async () => (await api('/api/v1/namespaces/default')).status === 200, timeoutMs);

    onProgress('[cluster] starting kube-controller-manager and kube-scheduler');
    const kcmProc = start('kube-controller-manager', files.bin.kubeControllerManager, [
      `--kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${controllerManager}`,
      '--leader-elect=false',
      '--controllers=*',
      '--use-service-account-credentials=false',
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      '--node-monitor-period=5s',
      '--node-monitor-grace-period=40s',
      '--v=1',
    ]);
    const schedProc = start('kube-scheduler', files.bin.kubeScheduler, [
      `--kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${scheduler}`,
      '--leader-elect=false',
      '--v=1',
    ]);
    const healthz = (port: number) => async () =>
      (await fetchText(`https://127.0.0.1:${port}/healthz`, { insecure: true })).status === 200;
    await waitFor(kcmProc, healthz(controllerManager), timeoutMs);
    await waitFor(schedProc, healthz(scheduler), timeoutMs);

    onProgress(`[cluster] starting kwok (fake kubelet) on 127.0.0.1:${kwok}`);
    const kwokDir = join(stateDir, 'kwok');
    await mkdir(kwokDir, { recursive: true });
    const stages = await Promise.all(files.kwokStages.map((f) => readFile(f, 'utf8')));
    const kwokConfig = join(kwokDir, 'stages.yaml');
    await writeFile(kwokConfig, kwokStagesConfig(stages));
    const kwokProc = start(
      'kwok',
      files.bin.kwok,
      [
        `--kubeconfig=${kubeconfig}`,
        `--config=${kwokConfig}`,
        '--manage-all-nodes=true',
        '--node-name=localhost',
        `--node-port=${kwok}`,
        `--server-address=127.0.0.1:${kwok}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        '--node-lease-duration-seconds=40',
        '--cidr=10.244.0.0/16',
      ],
      // kwok also reads <workdir>/kwok.yaml; a private workdir keeps ~/.kwok out of our cluster.
      { KWOK_WORKDIR: kwokDir },
    );
    await waitFor(
      kwokProc,
      async () => (await fetchText(`http://127.0.0.1:${kwok}/healthz`)).status === 200,
      timeoutMs,
    );

    onProgress(`[cluster] creating node ${NODE_NAME} and waiting for it to be Ready`);
    const created = await api('/api/v1/nodes', { method: 'POST', body: nodeManifest() });
    if (created.status !== 201) throw new Error(`creating node ${NODE_NAME}: HTTP ${created.status} ${created.body}`);
    await waitFor(
      kwokProc,
      async () => {
        const node = JSON.parse((await api(`/api/v1/nodes/${NODE_NAME}`)).body) as {
          spec?: { taints?: unknown[] };
          status?: { conditions?: { type: string; status: string }[] };
        };
        const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        return ready && (node.spec?.taints ?? []).length === 0;
      },
      timeoutMs,
    );
    const cluster: LocalCluster = {
      stateDir,
      kubeconfig,
      apiserverUrl,
      ports,
      processes,
      startupMs: Date.now() - started,
    };
    await writeFile(join(stateDir, STATE_FILE), JSON.stringify(cluster, null, 2) + '\n');
    onProgress(`[cluster] ready in ${(cluster.startupMs / 1000).toFixed(1)} s; KUBECONFIG=${kubeconfig}`);
    return cluster;
  } catch (err) {
    await Promise.all(processes.reverse().map((p) => stopProcess(p.pid)));
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
