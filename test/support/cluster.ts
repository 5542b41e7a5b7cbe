import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ApiCluster } from '../../src/kube/api-cluster.js';
import type { Gvk } from '../../src/kube/objects.js';

/**
 * The KubeConfig of the run's real local cluster. Tests under test/ only run through `make test`
 * (test/run.ts), which starts the cluster; run directly, they fail and say so.
 */
export function testKubeConfig(): KubeConfig {
  const path = process.env.KUBECONFIG;
  if (!process.env.SERIN_TEST_CLUSTER || !path) {
    throw new Error('no test cluster: run these tests through `make test` (or `npm test`), which starts one');
  }
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Creates a namespace for one test and deletes it when the test ends. */
export async function freshNamespace(t: TestContext, kc: KubeConfig, prefix = 'test'): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** An ApiCluster (informer caches + REST writes) on the test cluster, stopped when the test ends. */
export async function startApiCluster(t: TestContext, kinds: readonly Gvk[], namespace?: string): Promise<ApiCluster> {
  const cluster = new ApiCluster(testKubeConfig(), { kinds, namespace });
  await cluster.start();
  t.after(() => cluster.stop());
  return cluster;
}

/** Waits until the cache of `cluster` satisfies `probe` (caches lag writes by a watch event). */
export function cached<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  return eventually(what, () => Promise.resolve(probe()), timeoutMs, 20);
}

/**
 * Creates ServiceAccount `name` in `namespace` and returns the path of a kubeconfig that
 * authenticates as it ({@link tokenKubeconfig}).
 */
export async function serviceAccountKubeconfig(kc: KubeConfig, namespace: string, name: string): Promise<string> {
  await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  return tokenKubeconfig(kc, namespace, name);
}

/**
 * Writes a kubeconfig that authenticates as the existing ServiceAccount `namespace/name` with a
 * fresh token from the TokenRequest API, as the kubelet mounts into a pod (the API server's own
 * audience, which it accepts by default; valid `expirationSeconds`, default 3600); returns its path.
 */
export async function tokenKubeconfig(
  kc: KubeConfig,
  namespace: string,
  name: string,
  expirationSeconds = 3600,
): Promise<string> {
  const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { expirationSeconds, audiences: ['https://kubernetes.default.svc.cluster.local'] } },
  });
  const cluster = kc.getCurrentCluster();
  const file = join(tmpdir(), `serin-${namespace}-${name}.kubeconfig`);
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'test',
          cluster: {
            server: cluster?.server,
            ...(cluster?.caFile ? { 'certificate-authority': cluster.caFile } : {}),
            ...(cluster?.caData ? { 'certificate-authority-data': cluster.caData } : {}),
          },
        },
      ],
      users: [{ name, user: { token: token.status?.token } }],
      contexts: [{ name, context: { cluster: 'test', user: name, namespace } }],
      'current-context': name,
    }),
  );
  return file;
}
