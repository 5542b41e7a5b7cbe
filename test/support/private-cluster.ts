/**
 * A local control plane of a test's own, for tests that disturb the control plane itself (an API
 * server restart): the run's shared cluster serves other test files at the same time, and they must
 * not see the outage. Same binaries and CRDs as the shared one; stopped when the test ends.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureControlPlane } from '../../src/devcluster/binaries.js';
import { startLocalCluster, stopLocalCluster, type LocalCluster } from '../../src/devcluster/cluster.js';
import { installCrds } from '../../src/devcluster/install-crds.js';
import { isAlive, sleep, startProcess, type ComponentProcess } from '../../src/devcluster/processes.js';
import { KubeRest } from '../../src/kube/rest.js';

/** A running private cluster; `restartApiserver` replaces its kube-apiserver process. */
export interface PrivateCluster {
  readonly kc: KubeConfig;
  readonly kubeconfig: string;
  /**
   * Kills kube-apiserver (SIGKILL, as a crash or an OOM kill would), waits `downMs` and for `whileDown`,
   * starts it again with the same flags on the same etcd, and resolves once it answers /readyz.
   * Returns how long the API server was unreachable, in ms.
   */
  restartApiserver(downMs?: number, whileDown?: () => Promise<void>): Promise<number>;
}

/** Starts a private cluster for this test (about half a minute on 2 cores) and stops it when the test ends. */
export async function startPrivateCluster(t: TestContext, onProgress: (line: string) => void): Promise<PrivateCluster> {
  const files = await ensureControlPlane({ build: false, onProgress });
  const stateDir = join(tmpdir(), `serin-private-cluster-${process.pid}-${Date.now()}`);
  let cluster: LocalCluster = await startLocalCluster({ stateDir, files, onProgress });
  t.after(() => stopLocalCluster(cluster));
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  await installCrds(kc, files);
  const rest = new KubeRest(kc);

  const restartApiserver = async (downMs = 0, whileDown?: () => Promise<void>): Promise<number> => {
    const old = cluster.processes.find((p) => p.name === 'kube-apiserver');
    if (!old) throw new Error('the private cluster has no kube-apiserver process');
    const argv = commandLine(old.pid);
    const killedAt = Date.now();
    try {
      process.kill(-old.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (isAlive(old.pid)) await sleep(20);
    await Promise.all([sleep(downMs), whileDown?.()]);
    const [command = '', ...args] = argv;
    const fresh: ComponentProcess = startProcess(old.name, command, args, { log: old.log });
    cluster = { ...cluster, processes: cluster.processes.map((p) => (p === old ? fresh : p)) };
    for (;;) {
      if (!isAlive(fresh.pid)) throw new Error(`kube-apiserver did not come back; see ${fresh.log}`);
      const ready = await rest.request('/readyz').catch(() => undefined);
      if (ready?.status === 200) return Date.now() - killedAt;
      await sleep(100);
    }
  };
  return { kc, kubeconfig: cluster.kubeconfig, restartApiserver };
}

/** The exact command line a running process was started with (Linux /proc). */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a !== '');
}
