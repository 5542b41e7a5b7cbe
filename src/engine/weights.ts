/**
 * The canary strategy's weight ladder (spec §3.8.1), as plain arithmetic on percentages.
 */
import type { CanarySpec } from '../api/index.js';
import { analysisOf, TOTAL_WEIGHT } from './settings.js';

/**
 * Weight at which promotion starts: the last of `stepWeights` (at most 100) when a ladder is given,
 * else `maxWeight` when above 0, else 100.
 */
export function maxWeightOf(spec: CanarySpec): number {
  const { stepWeights = [], maxWeight = 0 } = analysisOf(spec);
  const last = stepWeights[stepWeights.length - 1];
  if (last !== undefined) return Math.min(TOTAL_WEIGHT, last);
  return maxWeight > 0 ? maxWeight : TOTAL_WEIGHT;
}

/**
 * How much weight the next step adds when the canary currently has `canaryWeight`. `stepWeight`
 * wins when above 0 (a first step of 0 never advances; the controller refuses such a spec, see
 * spec-problems.ts). On a ladder the
 * step leads to the next rung; a weight that is not on the ladder (spec edited mid-run) jumps to 100.
 */
export function nextStepWeight(spec: CanarySpec, canaryWeight: number): number {
  const { stepWeight = 0, stepWeights = [] } = analysisOf(spec);
  if (stepWeight > 0 || stepWeights.length === 0) return stepWeight;
  const maxStep = TOTAL_WEIGHT - canaryWeight;
  // At 100 any positive step lets the strategy reach its promotion branch.
  if (maxStep === 0) return 1;
  if (canaryWeight === 0) return Math.min(maxStep, stepWeights[0] ?? maxStep);
  const rung = stepWeights.indexOf(canaryWeight);
  const next = rung >= 0 ? stepWeights[rung + 1] : undefined;
  return next === undefined ? maxStep : Math.min(maxStep, next - canaryWeight);
}

/** Routes after one step of `step` percent: canary up (at most 100), primary down (at least 0). */
export function stepUp(primary: number, canary: number, step: number): { primary: number; canary: number } {
  return { primary: Math.max(0, primary - step), canary: Math.min(TOTAL_WEIGHT, canary + step) };
}

/** Routes after moving `step` percent back to the primary while promoting (spec §3.8.4). */
export function stepBack(primary: number, canary: number, step: number): { primary: number; canary: number } {
  return { primary: Math.min(TOTAL_WEIGHT, primary + step), canary: Math.max(0, canary - step) };
}
