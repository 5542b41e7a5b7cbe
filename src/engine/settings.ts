/**
 * Values derived from a Canary spec with Flagger's defaults and clamps applied (spec §1.1.3, §1.4).
 * Exported so the controller uses the very same numbers for its timers and readiness checks.
 */
import type { CanaryAnalysis, CanarySpec, CanaryWebhook, WebhookType } from '../api/index.js';
import { parseGoDuration } from './go-format.js';
import type { RoutingCapabilities } from './model.js';

/** Analysis interval when `analysis.interval` is empty or unparsable: 60 s. */
export const DEFAULT_INTERVAL_MS = 60_000;
/** Shortest analysis interval; shorter values are raised to it: 10 s. */
export const MIN_INTERVAL_MS = 10_000;
/**
 * Longest analysis interval: 24 days. Node's timers cannot count past ~24.8 days (a longer delay
 * fires at once), and a release stepping less than once in 24 days is a mistake, not a plan.
 */
export const MAX_INTERVAL_MS = 24 * 24 * 3_600_000;
/** `progressDeadlineSeconds` when unset: 600 s. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
/** Weights always add up to this. */
export const TOTAL_WEIGHT = 100;

/**
 * Time between two ticks of this canary, in ms: `analysis.interval` parsed as a Go duration;
 * empty or unparsable → 60 s; below `minMs` → `minMs` (default 10 s, Flagger's floor; the operator
 * may lower it for fast tests and simulations).
 */
export function analysisIntervalMs(spec: CanarySpec, minMs: number = MIN_INTERVAL_MS): number {
  const text = analysisOf(spec).interval ?? '';
  const parsed = text === '' ? undefined : parseGoDuration(text);
  if (parsed === undefined) return DEFAULT_INTERVAL_MS;
  return Math.min(Math.max(parsed, minMs), MAX_INTERVAL_MS);
}

/** Seconds a workload may make no progress before it counts as failed; default 600. */
export function progressDeadlineSeconds(spec: CanarySpec): number {
  return spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
}

/** Failed checks that trigger a rollback: `analysis.threshold`, values ≤ 0 count as 1. */
export function analysisThreshold(spec: CanarySpec): number {
  const threshold = analysisOf(spec).threshold ?? 0;
  return threshold > 0 ? threshold : 1;
}

/** Promote without analysis: `spec.skipAnalysis`, or no `analysis` at all (Flagger's `SkipAnalysis()`). */
export function skipsAnalysis(spec: CanarySpec): boolean {
  // The type says analysis is required, but the engine may see an object the apiserver pruned.
  const analysis: CanaryAnalysis | undefined = spec.analysis;
  return analysis === undefined || spec.skipAnalysis === true;
}

/** `spec.analysis`, or an empty one when absent (only possible with a pruned object). */
export function analysisOf(spec: CanarySpec): CanaryAnalysis {
  const analysis: CanaryAnalysis | undefined = spec.analysis;
  return analysis ?? {};
}

/** Webhooks of one type in spec order; type `rollout` includes the empty (default) type. */
export function hooksOf(spec: CanarySpec, type: WebhookType): readonly CanaryWebhook[] {
  const hooks = analysisOf(spec).webhooks ?? [];
  return hooks.filter((hook) => {
    const hookType = hook.type ?? '';
    return type === 'rollout' ? hookType === 'rollout' || hookType === '' : hookType === type;
  });
}

/** How the canary is rolled out (spec §1.4), before the adjustments of §3.3 step 28 for providers without weights. */
export type Strategy = 'canary' | 'blue-green' | 'ab-testing';

/** The rollout strategy and iteration count in effect for a provider's capabilities (spec §1.4 and §3.3 step 28). */
export interface StrategyPlan {
  readonly strategy: Strategy;
  /** `analysis.iterations`, or 10 when a provider without weights forces blue/green. */
  readonly iterations: number;
  /** Warnings Flagger records when it adjusts the strategy for a provider that cannot do it (`kubernetes`). */
  readonly adjusted: { readonly droppedMatch: boolean; readonly forcedIterations: boolean };
}

/** Iterations Flagger uses when the provider cannot shift traffic progressively (`kubernetes`). */
export const FORCED_ITERATIONS = 10;

/**
 * Strategy for this spec and what the provider can do: without header matching A/B testing is
 * dropped; without weights there are no traffic steps, so blue/green runs 10 iterations unless
 * `analysis.iterations` says otherwise.
 */
export function strategyOf(spec: CanarySpec, routing: RoutingCapabilities): StrategyPlan {
  const analysis = analysisOf(spec);
  let iterations = analysis.iterations ?? 0;
  let hasMatch = (analysis.match ?? []).length > 0;
  let droppedMatch = false;
  let forcedIterations = false;
  if (!routing.headerMatch && hasMatch) {
    droppedMatch = true;
    hasMatch = false;
  }
  if (!routing.weights && iterations < 1) {
    forcedIterations = true;
    iterations = FORCED_ITERATIONS;
  }
  const strategy: Strategy = iterations > 0 ? (hasMatch ? 'ab-testing' : 'blue-green') : 'canary';
  return { strategy, iterations, adjusted: { droppedMatch, forcedIterations } };
}
