/** Serin's `status.lastAnalysis`: what the last analysis measured, check by check. */
import type { CanaryStatus } from '../api/index.js';
import type { CheckOutcome } from '../engine/model.js';

/** Records what this tick's analysis measured (Serin's `status.lastAnalysis`); unchanged without one. */
export function withLastAnalysis(
  status: CanaryStatus | undefined,
  outcomes: readonly CheckOutcome[] | undefined,
  now: number,
): CanaryStatus | undefined {
  if (!outcomes || outcomes.length === 0) return status;
  const checks = outcomes.map((o) => ({
    name: o.name,
    kind: o.kind ?? 'metric',
    passed: o.ok,
    ...(o.value !== undefined && Number.isFinite(o.value) ? { value: o.value } : {}),
    ...(o.ok ? {} : { message: o.message ?? o.reason }),
  }));
  return { ...status, lastAnalysis: { time: new Date(now).toISOString(), checks } };
}
