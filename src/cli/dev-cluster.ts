import { Command } from 'commander';
import { ensureControlPlane } from '../devcluster/binaries.js';
import { readLocalCluster, runningComponents, startLocalCluster, stopLocalCluster } from '../devcluster/cluster.js';
import { installCrds } from '../devcluster/install-crds.js';
import type { CliEnvironment } from './environment.js';

/** Where the CLI writes: progress to stderr, results (paths, export lines) to stdout. */
export interface CliOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * `serin dev-cluster up|down|env|status`: the same real local control plane the tests use, kept
 * running in the background for trying Serin by hand.
 */
export function devClusterCommand(env: CliEnvironment, io: CliOutput): Command {
  const cmd = new Command('dev-cluster').description(
    'run a real local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) for trying Serin',
  );

  cmd
    .command('up')
    .description('build the control plane if needed, start it in the background, install the CRDs')
    .action(async () => {
      const existing = await readLocalCluster(env.devClusterDir);
      if (existing && runningComponents(existing).length > 0) {
        io.err(`a dev cluster is already running (${env.devClusterDir}); \`serin dev-cluster down\` stops it`);
        io.out(`export KUBECONFIG=${existing.kubeconfig}`);
        return;
      }
      const files = await ensureControlPlane({ build: true, onProgress: io.err });
      const cluster = await startLocalCluster({ stateDir: env.devClusterDir, files, onProgress: io.err });
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromFile(cluster.kubeconfig);
      const crds = await installCrds(kc, files);
      io.err(`[cluster] installed ${crds.length} CRDs (flagger.app, appmesh.k8s.aws, gateway.networking.k8s.io)`);
      io.err('use it with: eval "$(serin dev-cluster env)"; stop it with: serin dev-cluster down');
      io.out(`export KUBECONFIG=${cluster.kubeconfig}`);
    });

  cmd
    .command('down')
    .description('stop the dev cluster and delete its state')
    .action(async () => {
      const cluster = await readLocalCluster(env.devClusterDir);
      if (!cluster) {
        io.err(`no dev cluster in ${env.devClusterDir}; nothing to stop`);
        return;
      }
      await stopLocalCluster(cluster);
      io.err('dev cluster stopped');
    });

  cmd
    .command('env')
    .description('print the shell line that points kubectl and serin at the dev cluster')
    .action(async () => {
      const cluster = await readLocalCluster(env.devClusterDir);
      if (!cluster) throw new Error('no dev cluster is running; start one with `serin dev-cluster up`');
      io.out(`export KUBECONFIG=${cluster.kubeconfig}`);
    });

  cmd
    .command('status')
    .description('say which components of the dev cluster are running')
    .action(async () => {
      const cluster = await readLocalCluster(env.devClusterDir);
      if (!cluster) {
        io.out('no dev cluster');
        return;
      }
      const running = runningComponents(cluster);
      for (const p of cluster.processes) {
        io.out(`${p.name.padEnd(24)} ${running.includes(p.name) ? 'running' : 'stopped'}  pid ${p.pid}  log ${p.log}`);
      }
      io.out(`apiserver ${cluster.apiserverUrl}  kubeconfig ${cluster.kubeconfig}`);
    });

  return cmd;
}
