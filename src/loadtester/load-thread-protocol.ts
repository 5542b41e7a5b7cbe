/** What the load threads (load-thread.ts) and the pool that runs them (load-threads.ts) say to each other. */
import type { LoadPlan } from './load-generator.js';
import type { LoadErrorKind } from './metrics.js';
import type { Routes, TargetPolicyOptions } from './targets.js';

/** How often a thread reports on each of its runs, ms. */
export const BATCH_MS = 100;

/** Status codes standing for failures in a batch. */
export const FAILED_STATUS: Readonly<Record<LoadErrorKind, number>> = { network: -1, timeout: -2, status: -3 };

/** What a thread is started with: how to reach the targets, for its whole life. */
export interface LoadThreadData {
  readonly policy: TargetPolicyOptions;
  readonly routes: Routes;
}

/** What the pool posts to a thread. */
export type LoadThreadCommand =
  | { readonly kind: 'run'; readonly id: number; readonly plan: Omit<LoadPlan, 'url'> & { readonly url: string } }
  | { readonly kind: 'stop'; readonly id: number };

/** What a thread posts about run `id`. */
export type LoadThreadMessage =
  | { readonly kind: 'batch'; readonly id: number; readonly statuses: number[]; readonly latencies: number[] }
  | { readonly kind: 'done'; readonly id: number; readonly failures: [string, number][] };
