import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { applyObjects, parseManifests, waitForCrdsEstablished } from '../kube/apply.js';
import type { ControlPlaneFiles } from './binaries.js';

/** Serin's generated CRDs (Canary, MetricTemplate, AlertProvider) in the repository. */
export const SERIN_CRDS = resolve(import.meta.dirname, '../../deploy/crds/all.yaml');

/**
 * Installs Serin's CRDs and the upstream ones the providers and targets work with (App Mesh
 * v1beta2, Gateway API standard channel, KEDA's ScaledObject) and waits until all are Established.
 * Returns the CRD names installed.
 */
export async function installCrds(kc: KubeConfig, files: ControlPlaneFiles): Promise<string[]> {
  const sources = [SERIN_CRDS, ...files.appMeshCrds, ...files.gatewayApiCrds, ...files.kedaCrds];
  const objects = (await Promise.all(sources.map(async (f) => parseManifests(await readFile(f, 'utf8'), f))))
    .flat()
    .filter((o) => o.kind === 'CustomResourceDefinition');
  await applyObjects(kc, objects, 'serin-dev-cluster');
  const names = objects.map((o) => o.metadata?.name ?? '');
  await waitForCrdsEstablished(kc, names);
  return names;
}

/** The file the cluster's kubeconfig is written to, inside a state folder. */
export function kubeconfigPath(stateDir: string): string {
  return join(stateDir, 'kubeconfig');
}
