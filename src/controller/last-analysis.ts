/** What the status records beside the engine's decision: `status.lastAnalysis` (what the last analysis measured, check by check) and a router's fields. */
import type { CanaryStatus } from '../api/index.js';
import type { CheckOutcome } from '../engine/model.js';
import type { RouteStatus } from '../routers/router.js';

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

/** The status with the fields a router recorded while setting weights (session-affinity cookies); the same object when none. */
export function withRouteStatus(status: CanaryStatus | undefined, recorded: RouteStatus): CanaryStatus | undefined {
  return Object.keys(recorded).length > 0 ? { ...status, ...recorded } : status;
}
