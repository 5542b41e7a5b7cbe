/**
 * The port through which everything in Serin reaches Kubernetes. Reads come from watch caches
 * (so a steady analysis tick makes no read request); writes go to the API server, and what a write
 * returns is in the cache at once (read-your-own-writes), before its watch event arrives. Two adapters:
 * `ApiCluster` (a real API server) and, for `serin simulate`, an in-memory one.
 */
import type { Gvk, KubeObject, ObjectRef } from './objects.js';

/** What changed in a cache. `old` is set on updates and deletes. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  readonly type: 'added' | 'modified' | 'deleted';
  readonly object: T;
  readonly old?: T | undefined;
}

/** A JSON merge patch (RFC 7386): objects merge, `null` deletes, everything else replaces. */
export type MergePatch = Record<string, unknown>;

export interface WriteOptions {
  readonly signal?: AbortSignal;
  /** Server-side dry run: validate and default without storing. */
  readonly dryRun?: boolean;
}

export interface Cluster {
  /** The cached object, or undefined when it does not exist (as far as the cache knows). */
  get<T = KubeObject>(ref: ObjectRef): T | undefined;
  /**
   * The object as the API server has it now, bypassing the cache (which it refreshes), or undefined
   * when it does not exist. For the rare write that must build on the latest version, e.g. after a
   * Conflict; everything else reads the cache.
   */
  read<T = KubeObject>(ref: ObjectRef, options?: WriteOptions): Promise<T | undefined>;
  /** Cached objects of a kind, optionally in one namespace, in key order. */
  list<T = KubeObject>(gvk: Gvk, namespace?: string): T[];
  /** Calls `handler` for every change to cached objects of `gvk`; returns an unsubscribe function. */
  subscribe(gvk: Gvk, handler: (event: WatchEvent) => void): () => void;

  create<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  /** Full replace; `metadata.resourceVersion` must be set, a stale one fails with a Conflict. */
  update<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  /** Replaces the status subresource; a stale resourceVersion fails with a Conflict. */
  updateStatus<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: MergePatch, options?: WriteOptions): Promise<T>;
  /** Deletes; an object already gone is not an error. Owned objects are garbage-collected in the background. */
  delete(ref: ObjectRef, options?: WriteOptions): Promise<void>;
}

/** Reasons the API server gives that callers branch on. */
export const KubeErrorReason = {
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Invalid: 'Invalid',
  Forbidden: 'Forbidden',
  Other: 'Other',
} as const;
export type KubeErrorReason = (typeof KubeErrorReason)[keyof typeof KubeErrorReason];

/** A write the API server refused, with its own message. */
export class KubeWriteError extends Error {
  constructor(
    readonly reason: KubeErrorReason,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeWriteError';
  }
}

export function isKubeError(err: unknown, reason: KubeErrorReason): err is KubeWriteError {
  return err instanceof KubeWriteError && err.reason === reason;
}
