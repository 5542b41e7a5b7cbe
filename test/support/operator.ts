import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../src/operator/operator.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, testKubeConfig } from './cluster.js';

/**
 * Starts the real operator in this process, scoped to one namespace, with short intervals allowed
 * (1 s) so a whole release plays in seconds. Its JSON log goes to a file named in the test output.
 */
export async function startTestOperator(
  t: TestContext,
  namespace: string,
  overrides: Partial<OperatorOptions> = {},
): Promise<RunningOperator & { readonly logFile: string }> {
  const logFile = join(tmpdir(), `serin-operator-${namespace}-${Date.now()}.log`);
  const log = pino({ level: 'debug' }, createWriteStream(logFile));
  const kubeconfig = process.env.KUBECONFIG;
  const operator = await startOperator(
    {
      kubeconfig,
      namespace,
      meshProvider: 'appmesh:v1beta2',
      metricsServer: 'http://127.0.0.1:9',
      port: 0,
      minIntervalMs: 1000,
      selectorLabels: ['app', 'name', 'app.kubernetes.io/name'],
      includeLabelPrefixes: [],
      configTracking: true,
      concurrency: 4,
      maxConcurrentAnalyses: 4,
      maxConcurrentQueries: 8,
      ...overrides,
    },
    log,
  );
  t.diagnostic(`operator log: ${logFile}`);
  let stopped = false;
  t.after(async () => {
    if (!stopped) await operator.stop();
  });
  return {
    ...operator,
    logFile,
    stop: async () => {
      stopped = true;
      await operator.stop();
    },
  };
}

interface CanaryView {
  metadata: { generation?: number; finalizers?: string[] };
  status?: {
    phase?: string;
    canaryWeight?: number;
    failedChecks?: number;
    lastAppliedSpec?: string;
    lastPromotedSpec?: string;
    lastTransitionTime?: string;
    trackedConfigs?: Record<string, string>;
    sessionAffinityCookie?: string;
    primarySessionAffinityCookie?: string;
    previousSessionAffinityCookie?: string;
    conditions?: { type: string; status: string; reason: string; message?: string }[];
    lastAnalysis?: {
      time: string;
      checks: { name: string; kind: string; passed: boolean; value?: number; message?: string }[];
    };
  };
}

/** Deletes a Canary as `kubectl delete canary` does. */
export async function deleteCanary(namespace: string, name: string): Promise<void> {
  await new KubeRest(testKubeConfig()).json(`/apis/flagger.app/v1beta1/namespaces/${namespace}/canaries/${name}`, {
    method: 'DELETE',
  });
}

/** Reads a Canary straight from the API server (not a cache): what `kubectl get` would show. */
export async function readCanary(namespace: string, name: string): Promise<CanaryView> {
  return new KubeRest(testKubeConfig()).json<CanaryView>(
    `/apis/flagger.app/v1beta1/namespaces/${namespace}/canaries/${name}`,
  );
}

/** Waits until the Canary reaches `phase` (fails early with the events if it lands in another final phase). */
export async function waitForPhase(
  namespace: string,
  name: string,
  phase: string,
  timeoutMs = 60_000,
): Promise<CanaryView> {
  return eventually(
    `canary ${namespace}/${name} phase ${phase}`,
    async () => {
      const canary = await readCanary(namespace, name);
      const now = canary.status?.phase;
      if (now === phase) return canary;
      if (
        (now === 'Failed' || now === 'Succeeded') &&
        phase !== 'Failed' &&
        phase !== 'Succeeded' &&
        phase !== 'Initialized'
      ) {
        return undefined;
      }
      if ((now === 'Failed' && phase === 'Succeeded') || (now === 'Succeeded' && phase === 'Failed')) {
        throw new Error(
          `canary ended ${now}, expected ${phase}; events:\n${(await canaryEvents(namespace, name)).join('\n')}`,
        );
      }
      return undefined;
    },
    timeoutMs,
    100,
  );
}

export interface EventLine {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
}

/** The Canary's events oldest first, as `kubectl describe canary` lists them. */
export async function canaryEventList(namespace: string, name: string): Promise<EventLine[]> {
  const list = await new KubeRest(testKubeConfig()).json<{
    items: {
      type: string;
      reason: string;
      message: string;
      count?: number;
      firstTimestamp?: string;
      metadata: { creationTimestamp: string; resourceVersion: string };
    }[];
  }>(`/api/v1/namespaces/${namespace}/events?fieldSelector=involvedObject.kind=Canary,involvedObject.name=${name}`);
  return list.items
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => ({ type: e.type, reason: e.reason, message: e.message, count: e.count ?? 1 }));
}

/** Event lines formatted like `kubectl describe canary` ("Normal  Synced  message"). */
export async function canaryEvents(namespace: string, name: string): Promise<string[]> {
  return (await canaryEventList(namespace, name)).map(
    (e) => `${e.type.padEnd(8)}${e.reason.padEnd(8)}${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`,
  );
}

/** Weights on the apex VirtualRouter `<apex>`: `{primary, canary}`. */
export async function appMeshWeights(namespace: string, apex: string): Promise<{ primary: number; canary: number }> {
  const router = await new KubeRest(testKubeConfig()).json<{
    spec: {
      routes: {
        httpRoute?: { action: { weightedTargets: { virtualNodeRef?: { name: string }; weight: number }[] } };
      }[];
    };
  }>(`/apis/appmesh.k8s.aws/v1beta2/namespaces/${namespace}/virtualrouters/${apex}`);
  const targets = router.spec.routes[0]?.httpRoute?.action.weightedTargets ?? [];
  const weight = (n: string) => targets.find((x) => x.virtualNodeRef?.name === n)?.weight ?? -1;
  return { primary: weight(`${apex}-primary`), canary: weight(`${apex}-canary`) };
}

/** `serin operator`'s arguments in the tests: scoped to `ns`, 1 s intervals allowed, any free port, debug log. */
export function operatorArgs(ns: string, kubeconfig = process.env.KUBECONFIG ?? ''): string[] {
  return [
    'operator',
    '--kubeconfig',
    kubeconfig,
    '--namespace',
    ns,
    '--min-interval',
    '1s',
    '--port',
    '0',
    '--log-level',
    'debug',
  ];
}

/**
 * The `serin operator` command as its own OS process (so it can be killed for real), scoped to `ns`
 * with 1 s intervals allowed; `extra` adds flags. Its log goes to a file named in the test output.
 */
export function operatorProcess(t: TestContext, ns: string, logName: string, extra: readonly string[] = []) {
  const log = join(tmpdir(), `serin-${logName}-${ns}.log`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/serin.ts', ...operatorArgs(ns), ...extra], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(log);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  t.diagnostic(`operator process ${child.pid} log: ${log}`);
  t.after(() => child.kill('SIGKILL'));
  return { child, log };
}
