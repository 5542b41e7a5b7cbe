/** What a person (or their GitOps tool) does to the cluster in the end-to-end tests. */
import { AppsV1Api } from '@kubernetes/client-node';
import { applyObjects } from '../../src/kube/apply.js';
import { testKubeConfig } from './cluster.js';

/** Applies objects the way `kubectl apply --server-side` does. */
export function apply(...objects: Parameters<typeof applyObjects>[1]): Promise<void> {
  return applyObjects(testKubeConfig(), objects, 'test-user');
}

/** `kubectl set image deployment/<name>` for the first container. */
export async function setImage(ns: string, name: string, image: string): Promise<void> {
  await testKubeConfig()
    .makeApiClient(AppsV1Api)
    .patchNamespacedDeployment({
      name,
      namespace: ns,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
    });
}
