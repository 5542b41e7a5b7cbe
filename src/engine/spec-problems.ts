/**
 * What in a schema-valid spec no release can honour, said with the field and the fix: the controller
 * reports it as an invalid spec instead of running a canary that can never move (Flagger spins).
 */
import type { CanarySpec } from '../api/index.js';
import { parseGoDuration } from './go-format.js';
import type { RoutingCapabilities } from './model.js';
import { analysisOf, MAX_INTERVAL_MS, skipsAnalysis, strategyOf } from './settings.js';
import { nextStepWeight } from './weights.js';

/**
 * Why the spec's durations cannot be honoured, or undefined: an `analysis.interval` longer than
 * {@link MAX_INTERVAL_MS} (the CRD accepts `40000m`) or not a Go duration at all (the CRD's pattern
 * only checks the start: `5mx` passes it; Flagger silently runs such a canary every minute). The
 * controller reports it as an invalid spec.
 */
function durationProblem(spec: CanarySpec): string | undefined {
  const text = analysisOf(spec).interval ?? '';
  if (text === '') return undefined;
  const parsed = parseGoDuration(text);
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (parsed === undefined) {
    return `analysis.interval: ${shown} is not a duration Serin can time; use one like 30s, 1m or 1m30s`;
  }
  if (parsed <= MAX_INTERVAL_MS) return undefined;
  return `analysis.interval: ${shown} is longer than 24 days, the longest interval Serin can time; use a shorter interval such as 1m`;
}

/**
 * A canary strategy whose first step is 0 (`stepWeight: 0`, `stepWeights: []` or all zeros) never
 * moves traffic: Flagger repeats "Starting canary analysis" at weight 0 forever.
 */
function stallProblem(spec: CanarySpec, routing: RoutingCapabilities): string | undefined {
  if (skipsAnalysis(spec) || strategyOf(spec, routing).strategy !== 'canary' || nextStepWeight(spec, 0) > 0) {
    return undefined;
  }
  const { stepWeight, stepWeights } = analysisOf(spec);
  const given = stepWeights
    ? `stepWeights [${stepWeights.slice(0, 10).join(', ')}${stepWeights.length > 10 ? ', …' : ''}]`
    : `stepWeight ${stepWeight ?? 0}`;
  return `analysis.${given} never moves traffic to the canary (its first step is 0); set stepWeight above 0, stepWeights starting above 0, or iterations for blue/green`;
}

/**
 * The statistical judge compares the canary's share of live traffic with the primary's: with a
 * provider that cannot shift weights the run is blue/green, and the canary serves no share at all.
 */
function judgeProblem(spec: CanarySpec, routing: RoutingCapabilities): string | undefined {
  if (analysisOf(spec).judge === undefined || skipsAnalysis(spec) || routing.weights) return undefined;
  return `analysis.judge needs a share of live traffic on the canary, and provider ${routing.provider} cannot shift weights (its releases are blue/green); remove analysis.judge, or use a provider that routes by weight (gatewayapi, appmesh, istio, …)`;
}

/** The first thing in the spec no release can honour with this provider, or undefined. */
export function specProblem(spec: CanarySpec, routing: RoutingCapabilities): string | undefined {
  return durationProblem(spec) ?? stallProblem(spec, routing) ?? judgeProblem(spec, routing);
}
