import type { KubeObject } from '../kube/objects.js';

interface PodSpecLike {
  volumes?: {
    configMap?: { name?: string };
    secret?: { secretName?: string };
    projected?: { sources?: { configMap?: { name?: string }; secret?: { name?: string } }[] };
  }[];
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}
interface ContainerLike {
  env?: { valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } } }[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
}

/**
 * Does the workload's pod template use this ConfigMap or Secret (volumes, projected volumes, env,
 * envFrom, in containers and init containers)? Used only to route watch events to canaries.
 */
export function referencesConfig(workload: KubeObject, kind: 'configMap' | 'secret', name: string): boolean {
  const pod = (workload.spec as { template?: { spec?: PodSpecLike } } | undefined)?.template?.spec;
  if (!pod) return false;
  const cm = kind === 'configMap';
  const inVolumes = (pod.volumes ?? []).some(
    (v) =>
      (cm ? v.configMap?.name : v.secret?.secretName) === name ||
      (v.projected?.sources ?? []).some((s) => (cm ? s.configMap?.name : s.secret?.name) === name),
  );
  const inContainers = [...(pod.containers ?? []), ...(pod.initContainers ?? [])].some(
    (c) =>
      (c.env ?? []).some((e) => (cm ? e.valueFrom?.configMapKeyRef?.name : e.valueFrom?.secretKeyRef?.name) === name) ||
      (c.envFrom ?? []).some((e) => (cm ? e.configMapRef?.name : e.secretRef?.name) === name),
  );
  return inVolumes || inContainers;
}
