/**
 * Which ConfigMaps and Secrets a pod spec uses, and the pod spec that uses their `-primary`
 * copies instead. Pure functions: reading the objects and writing the copies is config-tracking.ts.
 */
import type { Container, KeyRef, NamedRef, PodSpec } from './kube-types.js';

/** Kinds of tracked configs, spelled as in `status.trackedConfigs` keys. */
export type ConfigKind = 'configmap' | 'secret';

/** One ConfigMap or Secret the pod spec uses. */
export interface ConfigRef {
  readonly kind: ConfigKind;
  readonly name: string;
  /** False when at least one reference lacks `optional: true`: then the object must exist. */
  readonly optional: boolean;
}

/** `configmap/<name>` or `secret/<name>`: the key of `status.trackedConfigs`. */
export function configKey(kind: ConfigKind, name: string): string {
  return `${kind}/${name}`;
}

/** Suffix of the primary's copies of tracked configs (and of the primary workload). */
export const PRIMARY_SUFFIX = '-primary';

/**
 * The ConfigMaps and Secrets referenced by volumes (`configMap`, `secret`, projected sources) and
 * by `env[].valueFrom` and `envFrom[]` of containers and init containers, sorted by key. A config
 * referenced several times is optional only if every reference says `optional: true`.
 */
export function scanConfigRefs(pod: PodSpec): ConfigRef[] {
  const found = new Map<string, ConfigRef>();
  const add = (kind: ConfigKind, name: string | undefined, optional: boolean | undefined): void => {
    if (!name) return;
    const key = configKey(kind, name);
    const seen = found.get(key);
    found.set(key, { kind, name, optional: (seen?.optional ?? true) && optional === true });
  };
  for (const volume of pod.volumes ?? []) {
    add('configmap', volume.configMap?.name, volume.configMap?.optional);
    add('secret', volume.secret?.secretName, volume.secret?.optional);
    for (const source of volume.projected?.sources ?? []) {
      add('configmap', source.configMap?.name, source.configMap?.optional);
      add('secret', source.secret?.name, source.secret?.optional);
    }
  }
  for (const container of containersOf(pod)) {
    for (const env of container.env ?? []) {
      add('configmap', env.valueFrom?.configMapKeyRef?.name, env.valueFrom?.configMapKeyRef?.optional);
      add('secret', env.valueFrom?.secretKeyRef?.name, env.valueFrom?.secretKeyRef?.optional);
    }
    for (const envFrom of container.envFrom ?? []) {
      add('configmap', envFrom.configMapRef?.name, envFrom.configMapRef?.optional);
      add('secret', envFrom.secretRef?.name, envFrom.secretRef?.optional);
    }
  }
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
}

/**
 * A copy of `pod` whose references to tracked configs (keys in `tracked`) name the `-primary`
 * copies. References to untracked configs (opted out, registry secrets, missing optional ones)
 * keep their names. `pod` itself is not changed.
 */
export function withPrimaryConfigRefs(pod: PodSpec, tracked: ReadonlySet<string>): PodSpec {
  const copy = structuredClone(pod);
  const rename = (kind: ConfigKind, ref: NamedRef | KeyRef | undefined): void => {
    if (ref?.name && tracked.has(configKey(kind, ref.name))) ref.name += PRIMARY_SUFFIX;
  };
  for (const volume of copy.volumes ?? []) {
    rename('configmap', volume.configMap);
    const secret = volume.secret;
    if (secret?.secretName && tracked.has(configKey('secret', secret.secretName))) {
      secret.secretName += PRIMARY_SUFFIX;
    }
    for (const source of volume.projected?.sources ?? []) {
      rename('configmap', source.configMap);
      rename('secret', source.secret);
    }
  }
  for (const container of containersOf(copy)) {
    for (const env of container.env ?? []) {
      rename('configmap', env.valueFrom?.configMapKeyRef);
      rename('secret', env.valueFrom?.secretKeyRef);
    }
    for (const envFrom of container.envFrom ?? []) {
      rename('configmap', envFrom.configMapRef);
      rename('secret', envFrom.secretRef);
    }
  }
  return copy;
}

function containersOf(pod: PodSpec): Container[] {
  return [...(pod.containers ?? []), ...(pod.initContainers ?? [])];
}
