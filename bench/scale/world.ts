/**
 * The world bench/scale measures an operator in: a fresh local control plane whose kube-apiserver
 * writes an audit log of the operator's requests (and nobody else's), N apps spread over namespaces
 * of 100 (a ConfigMap, a Deployment of one kwok pod, a Canary shaped like the seed's: App Mesh, a
 * 1 m interval, the builtin success-rate and duration checks), a mesh traffic simulator per
 * namespace serving Envoy series by the VirtualRouter weights, and a real Prometheus scraping them.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureControlPlane } from '../../src/devcluster/binaries.js';
import { startLocalCluster, stopLocalCluster, type LocalCluster } from '../../src/devcluster/cluster.js';
import { installCrds } from '../../src/devcluster/install-crds.js';
import { ApiCluster } from '../../src/kube/api-cluster.js';
import { applyObjects, parseManifests, type ApplyObject } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { tokenKubeconfig } from '../../test/support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../../test/support/fixtures.js';
import { startPrometheus, type TestPrometheus } from '../../test/support/prometheus.js';
import { fromAnnotation, MeshTrafficSimulator, simulatorKinds, TrafficProvider } from '../../test/sim/index.js';
import type { CanaryObserver } from './observe.js';

/** Apps per namespace. */
export const PER_NAMESPACE = 100;
/** The namespace the operators' ServiceAccounts live in. */
export const OPERATOR_NAMESPACE = 'serin-system';
/** Pod-template annotation the simulator reads as the pod's error rate (`fromAnnotation`). */
export const ERROR_RATE_ANNOTATION = 'sim.serin.dev/error-rate';
/** Requests per second each service gets: enough that a canary at 20% shows its errors within a minute. */
const RPS = 5;
const RBAC = new URL('../../deploy/rbac.yaml', import.meta.url);

export interface ScaleWorld {
  readonly cluster: LocalCluster;
  readonly kc: KubeConfig;
  readonly rest: KubeRest;
  readonly prometheus: TestPrometheus;
  readonly auditLog: string;
  readonly namespaces: readonly string[];
  /** `namespace/name` of every app. */
  readonly apps: readonly string[];
  /** A kubeconfig authenticating as `serin-system/<name>` (a token valid 24 h). */
  kubeconfigFor(name: string): Promise<string>;
  stop(): Promise<void>;
}

const AUDIT_POLICY = (users: readonly string[]) =>
  JSON.stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived', 'ResponseStarted'],
    rules: [{ level: 'Metadata', users }, { level: 'None' }],
  });

export function appName(i: number): string {
  return `app-${String(i).padStart(5, '0')}`;
}

export function namespaceOf(i: number): string {
  return `scale-${String(Math.floor(i / PER_NAMESPACE)).padStart(3, '0')}`;
}

/** The Canary every app gets: the seed's shape and checks, a 1 m interval, three 20% steps. */
function canaryOf(namespace: string, name: string): KubeObject {
  return seedLikeCanary(namespace, name, {
    hpa: false,
    progressDeadlineSeconds: 600,
    analysis: {
      interval: '1m',
      threshold: 2,
      stepWeight: 20,
      maxWeight: 60,
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
        { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
      ],
    },
  });
}

/** Runs `work` over `items`, `width` at a time, reporting progress every 10%. */
export async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
  progress?: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(items.length / 10));
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        await work(items[next++]!);
        if (++done % step === 0) progress?.(done);
      }
    }),
  );
}

/**
 * Starts the cluster, the traffic and Prometheus, and creates `size` apps with their Canaries.
 * `users` are the ServiceAccount names (in serin-system) whose requests the audit log records.
 */
export async function startScaleWorld(
  size: number,
  users: readonly string[],
  stateDir: string,
  say: (line: string) => void,
): Promise<ScaleWorld> {
  const files = await ensureControlPlane({ build: true, onProgress: say });
  await mkdir(stateDir, { recursive: true });
  const policy = join(stateDir, '..', `audit-policy-${process.pid}.json`);
  await writeFile(policy, AUDIT_POLICY(users.map((u) => `system:serviceaccount:${OPERATOR_NAMESPACE}:${u}`)));
  const auditLog = join(stateDir, '..', `audit-${process.pid}-${Date.now()}.log`);
  const cluster = await startLocalCluster({
    stateDir,
    files,
    onProgress: () => undefined,
    nodePods: 3 * size + 100,
    apiserverExtraArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`, '--audit-log-maxsize=0'],
  });
  const stops: (() => Promise<void> | void)[] = [() => stopLocalCluster(cluster)];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    await installCrds(kc, files);
    const rest = new KubeRest(kc);
    const count = Math.ceil(size / PER_NAMESPACE);
    const namespaces = Array.from({ length: count }, (_, i) => namespaceOf(i * PER_NAMESPACE));
    await applyObjects(
      kc,
      [OPERATOR_NAMESPACE, ...namespaces].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    );
    await installOperatorIdentities(kc, users);
    const cache = new ApiCluster(kc, { kinds: simulatorKinds(TrafficProvider.AppMesh) });
    await cache.start();
    stops.push(() => cache.stop());
    const simulators = namespaces.map(
      (namespace, n) =>
        new MeshTrafficSimulator(
          { cluster: cache },
          {
            namespace,
            services: Array.from({ length: Math.min(PER_NAMESPACE, size - n * PER_NAMESPACE) }, (_, j) => ({
              apex: appName(n * PER_NAMESPACE + j),
              port: 8180,
            })),
            rps: RPS,
            tickMs: 1000,
            behaviour: fromAnnotation('sim.serin.dev/'),
            seed: n + 1,
            maxTicks: 24 * 3600,
          },
        ),
    );
    for (const s of simulators) await s.start();
    stops.push(async () => {
      for (const s of simulators) await s.stop();
    });
    const prometheus = await startPrometheus({
      targets: simulators.map((s) => new URL(s.url).host),
      scrapeInterval: '10s',
    });
    stops.push(() => prometheus.stop());
    const apps = Array.from({ length: size }, (_, i) => `${namespaceOf(i)}/${appName(i)}`);
    say(`[scale] creating ${size} apps (ConfigMap, Deployment, Canary) in ${count} namespaces`);
    await inParallel(
      apps,
      16,
      async (key) => {
        const [namespace = '', name = ''] = key.split('/');
        await applyObjects(
          kc,
          [
            appConfigMap(namespace, name, { 'application.properties': 'server.port=8180' }),
            appDeployment(namespace, name, { replicas: 1 }),
            canaryOf(namespace, name),
          ],
          'gitops',
        );
      },
      (done) => say(`[scale]   ${done}/${size} apps created`),
    );
    await waitAvailable(rest, size, say);
    const kubeconfigFor = (name: string) => tokenKubeconfig(kc, OPERATOR_NAMESPACE, name, 24 * 3600);
    return { cluster, kc, rest, prometheus, auditLog, namespaces, apps, kubeconfigFor, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * ServiceAccounts in serin-system: `serin` with the ClusterRole Serin ships (deploy/rbac.yaml) and any
 * other (Flagger) bound to cluster-admin, as Flagger's chart binds its own broad role.
 */
async function installOperatorIdentities(kc: KubeConfig, users: readonly string[]): Promise<void> {
  const rbac = parseManifests(await readFile(RBAC, 'utf8'), 'deploy/rbac.yaml');
  const objects: ApplyObject[] = rbac.filter((o) => o.kind !== 'Namespace');
  for (const user of users.filter((u) => u !== 'serin')) {
    const binding: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${user}-bench` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: user, namespace: OPERATOR_NAMESPACE }],
    };
    objects.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: user, namespace: OPERATOR_NAMESPACE } },
      binding,
    );
  }
  await applyObjects(kc, objects, 'gitops');
}

/**
 * Waits until every app's Deployment is Available, so an operator starts on a settled cluster, not
 * behind the controller manager's backlog of the apps just created.
 */
async function waitAvailable(rest: KubeRest, size: number, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    const list = await rest.json<{ items: { status?: { availableReplicas?: number } }[] }>('/apis/apps/v1/deployments');
    const available = list.items.filter((d) => (d.status?.availableReplicas ?? 0) >= 1).length;
    if (available >= size) return;
    if (Date.now() > deadline) throw new Error(`only ${available} of ${size} Deployments Available after 20 min`);
    say(`[scale]   ${available}/${size} Deployments Available`);
    await new Promise((done) => setTimeout(done, 10_000));
  }
}

/** Phases of a canary with no release in progress. */
export const SETTLED: ReadonlySet<string> = new Set(['Initialized', 'Succeeded', 'Failed']);

/**
 * One minute's releases: 2% of the settled canaries (none with a change not yet noticed) get a new
 * pod template, one in ten of them failing (its pods answer 30% errors). `n` numbers the revisions
 * written so far; returns how many this batch wrote.
 */
export async function releaseBatch(world: ScaleWorld, observer: CanaryObserver, n: number): Promise<number> {
  const settled = world.apps.filter((k) => SETTLED.has(observer.phases.get(k) ?? '') && !observer.isPending(k));
  const batch = settled.sort(() => Math.random() - 0.5).slice(0, Math.ceil(world.apps.length * 0.02));
  for (const [i, key] of batch.entries()) {
    observer.expect(key, Date.now());
    await release(world, key, n + i + 1, i % 10 === 9);
    observer.written(key, Date.now());
  }
  return batch.length;
}

/** Writes a new revision of `key`'s Deployment (failing pods when `failing`). */
async function release(world: ScaleWorld, key: string, n: number, failing: boolean): Promise<void> {
  const [namespace = '', name = ''] = key.split('/');
  await world.rest.json(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: {
      spec: {
        template: {
          metadata: { annotations: { 'bench/revision': String(n), [ERROR_RATE_ANNOTATION]: failing ? '0.3' : '0' } },
        },
      },
    },
  });
}
