/**
 * The release actions of the dashboard: which ones a viewer may take now and why not (their RBAC
 * first, then the canary's state), and carrying one out with the viewer's own credentials through
 * the same code as `serin promote|abort|retry|pause|resume` (src/control/canary-actions.ts).
 */
import { CanaryCommands, type Canary, type CanaryCommand } from '../api/index.js';
import {
  ActionFailure,
  CanaryActionError,
  commandProblem,
  commandRequested,
  requestCommand,
  setPaused,
} from '../control/canary-actions.js';
import type { KubeObject } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import type { AccessCache } from './access.js';
import { ACTIONS, type ActionState, type DashboardAction } from './model.js';
import { record, text } from './rows.js';
import type { Viewer } from './viewer.js';

/** The field manager of the dashboard's writes, so `managedFields` says where a change came from. */
export const DASHBOARD_FIELD_MANAGER = 'serin-dashboard';

export function isAction(value: string): value is DashboardAction {
  return (ACTIONS as readonly string[]).includes(value);
}

function isCommand(action: DashboardAction): action is CanaryCommand {
  return (CanaryCommands as readonly string[]).includes(action);
}

/** Why the canary's state refuses `action` now, or undefined. */
export function stateProblem(canary: KubeObject, action: DashboardAction): string | undefined {
  if (isCommand(action)) {
    try {
      return commandProblem(canary as unknown as Canary, action);
    } catch {
      return 'the canary cannot be read (its object is malformed)';
    }
  }
  const meta = record(canary.metadata);
  const id = `${text(meta.namespace)}/${text(meta.name)}`;
  const paused = record(meta.annotations)['serin.dev/paused'] === 'true';
  if (action === 'pause' && paused) return `canary ${id} is already paused`;
  if (action === 'resume' && !paused) return `canary ${id} is not paused`;
  return undefined;
}

/** What the viewer may do with this canary now: RBAC (`patch` on it) first, then its state. */
export async function actionStates(access: AccessCache, viewer: Viewer, canary: KubeObject): Promise<ActionState[]> {
  const meta = record(canary.metadata);
  const rbac = await access.can(viewer, { verb: 'patch', namespace: text(meta.namespace), name: text(meta.name) });
  return ACTIONS.map((action) => {
    const reason = rbac.allowed ? stateProblem(canary, action) : rbac.reason;
    return reason ? { action, allowed: false, reason } : { action, allowed: true };
  });
}

/** An action's outcome as the API answers it. */
export interface ActionOutcome {
  readonly status: number;
  readonly message?: string;
  readonly error?: string;
}

const STATUS: Readonly<Record<ActionFailure, number>> = {
  [ActionFailure.NotFound]: 404,
  [ActionFailure.Forbidden]: 403,
  [ActionFailure.Refused]: 409,
  [ActionFailure.Failed]: 502,
};

/**
 * Carries out `action` on `namespace/name` for the viewer: refused with 403 and the RBAC reason
 * when an access review says no, else written with `rest` (the viewer's own credentials).
 */
export async function carryOut(
  deps: { readonly access: AccessCache; readonly rest: KubeRest },
  viewer: Viewer,
  canary: { readonly namespace: string; readonly name: string },
  action: DashboardAction,
): Promise<ActionOutcome> {
  const rbac = await deps.access.can(viewer, { verb: 'patch', namespace: canary.namespace, name: canary.name });
  if (!rbac.allowed) return { status: 403, error: rbac.reason ?? 'not allowed' };
  const target = { rest: deps.rest, ...canary, fieldManager: DASHBOARD_FIELD_MANAGER };
  try {
    if (isCommand(action)) {
      await requestCommand(target, action);
      return { status: 200, message: commandRequested(target, action) };
    }
    return { status: 200, message: await setPaused(target, action === 'pause') };
  } catch (err) {
    if (err instanceof CanaryActionError) return { status: STATUS[err.failure], error: err.message };
    const message = err instanceof Error ? err.message : String(err);
    return { status: 502, error: `the API server could not be reached: ${message}; try again` };
  }
}
