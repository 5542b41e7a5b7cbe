/**
 * What the chart tests (helm-chart.test.ts, helm-chart-dashboard.test.ts) do again and again: render
 * the chart, read a plain manifest of the repository, offer objects to the API server, wait for an
 * installed Deployment.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually } from './cluster.js';
import { ROOT, dryRunRefusals, objectsOf, only, type Helm } from './helm.js';

export const CHART = 'deploy/helm/serin';

/** The objects of a manifest in the repository (`path` from its root). */
export async function repoObjects(path: string): Promise<KubeObject[]> {
  return objectsOf(await readFile(join(ROOT, path), 'utf8'), path);
}

/** `helm template` of the chart; the objects, and the text for messages. */
export async function render(helm: Helm, release: string, ns: string, args: readonly string[], chart = CHART) {
  const text = await helm.ok(['template', release, chart, '--namespace', ns, ...args]);
  return objectsOf(text, `helm template ${chart}`);
}

/** Something was rendered, and the API server accepts all of it in a server-side dry run. */
export async function assertAccepted(kc: KubeConfig, objects: readonly KubeObject[]): Promise<void> {
  assert.ok(objects.length > 0, 'something was rendered');
  assert.deepEqual(await dryRunRefusals(kc, objects), [], 'every rendered object is accepted by the API server');
}

/** The rules of the one ClusterRole among `objects`. */
export function rulesOf(objects: readonly KubeObject[]): unknown {
  return only(objects, 'ClusterRole').rules;
}

/** An installed Deployment, once every replica is available (kwok plays the kubelet). */
export async function availableDeployment(kc: KubeConfig, ns: string, name: string): Promise<KubeObject> {
  const rest = new KubeRest(kc);
  return eventually(
    `Deployment ${ns}/${name} available`,
    async () => {
      const d = await rest.json<KubeObject & { status?: { availableReplicas?: number; updatedReplicas?: number } }>(
        `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
      );
      const want = (d.spec as { replicas: number }).replicas;
      return d.status?.availableReplicas === want && d.status.updatedReplicas === want ? d : undefined;
    },
    60_000,
  );
}
