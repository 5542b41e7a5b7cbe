/**
 * Which cached objects a router last found in place, and for what. A steady canary's reconcile
 * used to rebuild its Services and routing objects and compare them with the cache on every tick,
 * only to find them unchanged (a sixth of a 1,000-canary simulation). A router now remembers, per
 * canary, the cached objects it found in place and the Canary inputs it compared them with; while
 * the cache hands out that very object (same identity, same resourceVersion) and the Canary's
 * inputs are the same, the object is known to be in place and nothing is built.
 *
 * The inputs are what a desired object is built from: the Canary's spec (the very frozen object,
 * and its generation, which the API server bumps on every spec change), uid, apiVersion, kind,
 * labels and annotations, and the target's selector label and ports. Any change of an object —
 * someone's edit by hand, a deletion, a write of ours — hands out another object with another
 * resourceVersion, so the next reconcile compares it again and puts it right, as before.
 */
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import type { TargetMetadata } from '../targets/target.js';

/** What one router found in place for one canary, as its inputs are now. */
export interface FoundInPlace {
  /** True when `check` last found this very `live` object in place. */
  holds(check: string, live: KubeObject): boolean;
  /** Records that `check` found `live` in place (nothing when it has no resourceVersion). */
  remember(check: string, live: KubeObject): void;
}

/** For a canary that is not a frozen object read from a cluster: nothing is remembered. */
const NOTHING: FoundInPlace = Object.freeze({ holds: () => false, remember: () => undefined });

/** The objects found in place for one canary's inputs (the spec is the key it is kept under). */
class CanaryRecord implements FoundInPlace {
  private readonly uid: string | undefined;
  private readonly generation: number | undefined;
  private readonly apiVersion: string | undefined;
  private readonly kind: string | undefined;
  private readonly labels: Readonly<Record<string, string>> | undefined;
  private readonly annotations: Readonly<Record<string, string>> | undefined;
  /** By check: the object found in place, its resourceVersion, and whether it was frozen (then it cannot change). */
  private readonly found = new Map<
    string,
    { readonly live: KubeObject; readonly version: string; readonly frozen: boolean }
  >();

  constructor(
    canary: Canary,
    private readonly target: TargetMetadata | undefined,
  ) {
    ({
      uid: this.uid,
      generation: this.generation,
      labels: this.labels,
      annotations: this.annotations,
    } = canary.metadata ?? {});
    this.apiVersion = canary.apiVersion;
    this.kind = canary.kind;
  }

  /** Were these objects found for the canary as it is now, built from `target`? */
  sameInputs(canary: Canary, target: TargetMetadata | undefined): boolean {
    return this.sameCanary(canary) && sameTarget(target, this.target);
  }

  /** Were these objects found for the canary as it is now (whatever the target)? */
  sameCanary(canary: Canary): boolean {
    const metadata = canary.metadata;
    if (!metadata) return false;
    return (
      metadata.uid === this.uid &&
      metadata.generation === this.generation &&
      canary.apiVersion === this.apiVersion &&
      canary.kind === this.kind &&
      sameRecord(metadata.labels, this.labels) &&
      sameRecord(metadata.annotations, this.annotations)
    );
  }

  holds(check: string, live: KubeObject): boolean {
    const found = this.found.get(check);
    // A frozen object is the same while it is the same object; another one is read only when not.
    return (
      found !== undefined && found.live === live && (found.frozen || found.version === live.metadata?.resourceVersion)
    );
  }

  remember(check: string, live: KubeObject): void {
    const version = live.metadata?.resourceVersion;
    if (typeof version === 'string') this.found.set(check, { live, version, frozen: Object.isFrozen(live) });
  }
}

/** What one router found in place, per canary (kept under the canary's frozen spec, so it goes with it). */
export class InPlace {
  private readonly bySpec = new WeakMap<object, CanaryRecord>();

  /**
   * What was found in place for `canary` (built from `target`, when its objects depend on it) as
   * its inputs are now: nothing, when they changed since, and then from now on for the new ones.
   */
  for(canary: Canary, target?: TargetMetadata): FoundInPlace {
    const spec = canary.spec as object | undefined;
    const metadata = canary.metadata;
    if (
      !spec ||
      !Object.isFrozen(spec) ||
      typeof metadata?.uid !== 'string' ||
      typeof metadata.generation !== 'number'
    ) {
      return NOTHING;
    }
    const kept = this.bySpec.get(spec);
    if (kept?.sameInputs(canary, target)) return kept;
    const record = new CanaryRecord(canary, target);
    this.bySpec.set(spec, record);
    return record;
  }

  /**
   * What was found in place for `canary` as it is now, for an object that does not depend on the
   * target (a VirtualRouter): nothing when the canary changed. Starts no new record.
   */
  kept(canary: Canary): FoundInPlace {
    const spec = canary.spec as object | undefined;
    const kept = spec ? this.bySpec.get(spec) : undefined;
    return kept?.sameCanary(canary) ? kept : NOTHING;
  }
}

function sameTarget(a: TargetMetadata | undefined, b: TargetMetadata | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.labelKey === b.labelKey && a.labelValue === b.labelValue && sameRecord(a.ports, b.ports);
}

/** Equal flat records (a missing record and an empty one differ: either way the objects are compared again). */
function sameRecord(
  a: Readonly<Record<string, string | number>> | undefined,
  b: Readonly<Record<string, string | number>> | undefined,
): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  let count = 0;
  for (const key in a) {
    if (!Object.hasOwn(a, key)) continue;
    count++;
    if (!Object.hasOwn(b, key) || a[key] !== b[key]) return false;
  }
  for (const key in b) if (Object.hasOwn(b, key)) count--;
  return count === 0;
}
