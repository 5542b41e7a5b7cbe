/**
 * One copy of each repeated string in the watch caches. `JSON.parse` gives every object its own copy
 * of each value: at 1,000 canaries the caches held `"flagger.app/v1beta1"` 15,000 times, a mesh ARN
 * 5,000 times, and every Deployment's condition messages, image names, ports and probe paths over
 * again — 7.5 MiB of the 62 MiB heap (bench/scale's heap snapshot). A cached object's strings are
 * swapped for the table's copy as it is frozen, and the copies it came with are collected.
 *
 * Values that are unique by nature (uids, resourceVersions) are left out, so they do not fill the
 * table; it is bounded all the same, and starts afresh once full (objects already cached keep the
 * copies they have: only the sharing with later objects is lost). Timestamps go to a small table of
 * their own: they count seconds, so the objects written in one burst share them (at 1,000 canaries
 * 41,000 copies of 177 values, 1.6 MiB), but they never come back once their second is over.
 */

/** Strings longer than this are left alone (scripts, certificates, JSON in annotations). */
const MAX_LENGTH = 200;

/** Fields whose values are unique to one object or one version of it. */
const UNIQUE_VALUES: ReadonlySet<string> = new Set(['uid', 'resourceVersion']);

/** Fields that hold an RFC 3339 time. */
const TIME_VALUES: ReadonlySet<string> = new Set([
  'creationTimestamp',
  'deletionTimestamp',
  'lastTransitionTime',
  'lastUpdateTime',
  'lastProbeTime',
  'lastHeartbeatTime',
  'startedAt',
  'finishedAt',
  'time',
]);

export class StringTable {
  private readonly copies = new Map<string, string>();
  private readonly times: StringTable | undefined;

  constructor(
    private readonly limit = 100_000,
    /** Size of the timestamps' own table; 0: timestamps are left alone. */
    timesLimit = 1_000,
  ) {
    this.times = timesLimit > 0 ? new StringTable(timesLimit, 0) : undefined;
  }

  get size(): number {
    return this.copies.size;
  }

  /** Timestamps held in their own table. */
  get timesSize(): number {
    return this.times?.size ?? 0;
  }

  /** The table's copy of `value` (`value` itself the first time it is seen). */
  intern(value: string): string {
    if (value.length > MAX_LENGTH) return value;
    const copy = this.copies.get(value);
    if (copy !== undefined) return copy;
    if (this.copies.size >= this.limit) this.copies.clear();
    this.copies.set(value, value);
    return value;
  }

  /**
   * Swaps every string value in `value` for the table's copy, in place, and freezes it all the way
   * down (one walk for both, as every watch event takes it): deepFreeze's contract, with the strings
   * shared. Frozen parts (shared with the cached version, already interned) are not walked. Walks
   * with a stack of its own, so a deeply nested object cannot overflow the call stack.
   */
  freezeInterned<T>(value: T): T {
    const pending: unknown[] = [value];
    while (pending.length > 0) {
      const next = pending.pop();
      if (next === null || typeof next !== 'object' || Object.isFrozen(next)) continue;
      const record = next as Record<string, unknown>;
      const isArray = Array.isArray(next);
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (typeof child === 'string') {
          if (isArray) record[key] = this.intern(child);
          else if (TIME_VALUES.has(key)) record[key] = this.times?.intern(child) ?? child;
          else if (!UNIQUE_VALUES.has(key)) record[key] = this.intern(child);
        } else if (child !== null && typeof child === 'object') {
          pending.push(child);
        }
      }
      Object.freeze(next);
    }
    return value;
  }
}

/** The table every watch cache of the process shares (namespaces and names recur across kinds). */
export const cacheStrings = new StringTable();
