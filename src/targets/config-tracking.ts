/**
 * Config tracking (Flagger §3.4, §4.4): the ConfigMaps and Secrets a target's pods use are part of
 * its revision, and the primary gets its own `-primary` copies of them, so a config change is
 * released progressively like an image change. Reads come from the Cluster's caches.
 */
import type { Canary } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import type { KubeObject, OwnerReference } from '../kube/objects.js';
import { configKey, PRIMARY_SUFFIX, scanConfigRefs, type ConfigKind, type ConfigRef } from './config-refs.js';
import { CONFIG_MAP, SECRET, type ConfigMap, type PodSpec, type Secret } from './kube-types.js';
import { includeByPrefix } from './labels.js';
import { canonicalJson, configChecksum } from './revision.js';
import type { Result } from './target.js';
import { canaryKey, canaryOwnerRef, upsert } from './writes.js';

/** Annotation on a ConfigMap or Secret opting it out of tracking (any value starting with `disable`). */
export const CONFIG_TRACKING_ANNOTATION = 'flagger.app/config-tracking';

/**
 * Secret types that are configuration. Others (registry credentials, service-account tokens) are
 * never copied: they belong to the service account or the cluster, not to a release.
 */
const TRACKED_SECRET_TYPES: ReadonlySet<string> = new Set([
  'Opaque',
  'kubernetes.io/basic-auth',
  'kubernetes.io/ssh-auth',
  'kubernetes.io/tls',
]);

/** A ConfigMap or Secret the target uses and Serin tracks. */
export interface TrackedConfig {
  /** `configmap/<name>` or `secret/<name>`. */
  readonly key: string;
  readonly kind: ConfigKind;
  readonly name: string;
  /** Flagger's checksum of its data (16 hex digits). */
  readonly checksum: string;
  /** The object as cached. */
  readonly source: ConfigMap | Secret;
}

/** Finds a target's tracked configs and keeps the primary's copies in step with them. */
export class ConfigTracker {
  /** The config references of frozen pod specs (the simulator's cluster), scanned once each. */
  private readonly refsOf = new WeakMap<PodSpec, readonly ConfigRef[]>();

  constructor(
    private readonly cluster: Cluster,
    private readonly includeLabelPrefixes: readonly string[],
  ) {}

  /**
   * The tracked configs of `pod` (in key order). A missing config the pod needs (a reference
   * without `optional: true`) is a problem naming it; missing optional ones, opted-out ones and
   * Secrets of untracked types are left out.
   */
  track(namespace: string, pod: PodSpec, user: string): Result<TrackedConfig[]> {
    const tracked: TrackedConfig[] = [];
    for (const ref of this.refs(pod)) {
      const source = this.read(namespace, ref);
      if (!source) {
        if (ref.optional) continue;
        return { ok: false, problem: missingConfig(namespace, ref, user) };
      }
      if (isOptedOut(source)) continue;
      const checksum = checksumOf(ref.kind, source);
      if (checksum === undefined) continue;
      tracked.push({ key: configKey(ref.kind, ref.name), kind: ref.kind, name: ref.name, checksum, source });
    }
    return { ok: true, value: tracked };
  }

  /** Creates or updates `<name>-primary` for each tracked config, owned by the Canary; writes nothing when in step. */
  async syncPrimaryCopies(canary: Canary, configs: readonly TrackedConfig[], signal?: AbortSignal): Promise<void> {
    const owner = canaryOwnerRef(canary);
    const { namespace } = canaryKey(canary);
    for (const config of configs) {
      const gvk = config.kind === 'configmap' ? CONFIG_MAP : SECRET;
      const ref = { ...gvk, namespace, name: config.name + PRIMARY_SUFFIX };
      await upsert<KubeObject>(this.cluster, ref, (current) => this.desiredCopy(config, owner, current), signal);
    }
  }

  private desiredCopy(config: TrackedConfig, owner: OwnerReference, current: KubeObject | undefined) {
    const { source } = config;
    const content: Record<string, unknown> =
      config.kind === 'configmap'
        ? { data: source.data, binaryData: (source as ConfigMap).binaryData }
        : { type: (source as Secret).type, data: source.data };
    const metadata = {
      ...(current?.metadata ?? { name: (source.metadata.name ?? '') + PRIMARY_SUFFIX }),
      namespace: source.metadata.namespace ?? '',
      labels: includeByPrefix(source.metadata.labels, this.includeLabelPrefixes),
      ownerReferences: withOwner(current?.metadata.ownerReferences, owner),
    };
    const next: KubeObject = { apiVersion: source.apiVersion, kind: source.kind, metadata, ...dropUndefined(content) };
    if (current && sameCopy(current, next)) return undefined;
    return next;
  }

  /** {@link scanConfigRefs} of `pod`, kept for a frozen pod (a changed one is another object). */
  private refs(pod: PodSpec): readonly ConfigRef[] {
    if (!Object.isFrozen(pod)) return scanConfigRefs(pod);
    let refs = this.refsOf.get(pod);
    if (!refs) this.refsOf.set(pod, (refs = scanConfigRefs(pod)));
    return refs;
  }

  private read(namespace: string, ref: ConfigRef): ConfigMap | Secret | undefined {
    const gvk = ref.kind === 'configmap' ? CONFIG_MAP : SECRET;
    return this.cluster.get<ConfigMap | Secret>({ ...gvk, namespace, name: ref.name });
  }
}

/** `trackedConfigs` as the status stores it: key → checksum. */
export function trackedConfigMap(configs: readonly TrackedConfig[]): Record<string, string> {
  return Object.fromEntries(configs.map((c) => [c.key, c.checksum]));
}

function isOptedOut(obj: KubeObject): boolean {
  return (obj.metadata.annotations?.[CONFIG_TRACKING_ANNOTATION] ?? '').startsWith('disable');
}

/** The checksum, or undefined for a Secret type that is not tracked. */
function checksumOf(kind: ConfigKind, source: ConfigMap | Secret): string | undefined {
  if (kind === 'configmap') return configChecksum(source.data, (source as ConfigMap).binaryData);
  // The API server defaults an empty type to Opaque; a cached object always has one, tests may not.
  return TRACKED_SECRET_TYPES.has((source as Secret).type ?? 'Opaque') ? configChecksum(source.data) : undefined;
}

function missingConfig(namespace: string, ref: ConfigRef, user: string) {
  const kind = ref.kind === 'configmap' ? 'ConfigMap' : 'Secret';
  return {
    message: `${ref.kind} ${namespace}/${ref.name} referenced by ${user} not found`,
    fix: `create ${kind} ${namespace}/${ref.name}, or mark the reference optional: true, or correct its name in the pod template`,
  };
}

/** Our controller reference first, then other owners' references, which may no longer claim to be the controller. */
function withOwner(existing: readonly OwnerReference[] | undefined, owner: OwnerReference): OwnerReference[] {
  const others = (existing ?? []).filter((r) => r.uid !== owner.uid).map((r) => ({ ...r, controller: false }));
  return [owner, ...others];
}

function sameCopy(current: KubeObject, next: KubeObject): boolean {
  const view = (o: KubeObject) =>
    canonicalJson({
      labels: o.metadata.labels ?? {},
      ownerReferences: o.metadata.ownerReferences,
      data: o.data ?? {},
      binaryData: o.binaryData ?? {},
      type: o.type,
    });
  return view(current) === view(next);
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
