import { join } from 'node:path';
import type { Pki } from './pki.js';

/** The loopback ports the local cluster's components listen on, all picked free at start-up. */
export interface ClusterPorts {
  readonly etcd: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  readonly kwok: number;
}

/** etcd flags: one member on loopback, data in `<stateDir>/etcd`, tuned for a throwaway test cluster. */
export function etcdArgs(stateDir: string, ports: ClusterPorts): string[] {
  return [
    '--name=node0',
    `--data-dir=${join(stateDir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${ports.etcd}`,
    `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
    `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-cluster=node0=http://127.0.0.1:${ports.etcdPeer}`,
    '--initial-cluster-state=new',
    '--auto-compaction-mode=periodic',
    '--auto-compaction-retention=1h',
    '--quota-backend-bytes=2147483648',
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

/** kube-apiserver flags: serves on 127.0.0.1 with the local PKI, RBAC on, etcd as its store. */
export function apiserverArgs(ports: ClusterPorts, pki: Pki): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcd}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
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
  ];
}

/** kube-controller-manager flags: all controllers, no leader election, signing with the local CA. */
export function controllerManagerArgs(kubeconfig: string, ports: ClusterPorts, pki: Pki): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    '--leader-elect=false',
    '--controllers=*',
    '--use-service-account-credentials=false',
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--node-monitor-period=5s',
    '--node-monitor-grace-period=40s',
    // The default 20 requests/s holds a cluster of thousands of Deployments (bench/scale) back for
    // minutes: each new Deployment is a ReplicaSet and pods to create.
    '--kube-api-qps=200',
    '--kube-api-burst=400',
    '--v=1',
  ];
}

/** kube-scheduler flags: no leader election, health on loopback. */
export function schedulerArgs(kubeconfig: string, ports: ClusterPorts): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.scheduler}`,
    '--leader-elect=false',
    '--kube-api-qps=200',
    '--kube-api-burst=400',
    '--v=1',
  ];
}

/** kwok flags: manages every node with the Stage config in `stagesFile`, serving with the apiserver's certificate. */
export function kwokArgs(kubeconfig: string, stagesFile: string, ports: ClusterPorts, pki: Pki): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${stagesFile}`,
    '--manage-all-nodes=true',
    '--node-name=localhost',
    `--node-port=${ports.kwok}`,
    `--server-address=127.0.0.1:${ports.kwok}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    '--node-lease-duration-seconds=40',
    '--cidr=10.244.0.0/16',
  ];
}
