/**
 * Durations as Flagger's App Mesh router reads `service.timeout` and `retries.perTryTimeout`: with
 * Go's `time.ParseDuration` (`lib/duration`, in ms) and `Duration.Milliseconds()`.
 */
import { nonNegativeDurationMs } from '../lib/duration.js';

/**
 * Whole milliseconds of a Go duration (Go's `Duration.Milliseconds()`, which truncates), or
 * undefined when the text is missing, unparsable or negative: App Mesh durations must be ≥ 0, so a
 * negative one is treated as unset rather than sent to be rejected.
 */
export function goDurationMillis(text: string | undefined): number | undefined {
  const ms = text === undefined ? undefined : nonNegativeDurationMs(text);
  if (ms === undefined) return undefined;
  // Round away float noise (0.1 + 0.2) before truncating, as Go's integer nanoseconds would.
  return Math.trunc(Math.round(ms * 1e6) / 1e6);
}
