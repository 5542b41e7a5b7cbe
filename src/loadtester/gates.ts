/**
 * Manual gates, as Flagger's load tester keeps them: in memory, keyed by canary name and namespace
 * (`<name>.<namespace>` for the promotion gate, `rollback.<name>.<namespace>` for the rollback one),
 * closed unless opened. A restart closes every gate, as in Flagger. `/gate/approve` and
 * `/gate/halt` answer the same whatever the body.
 */
import { ACCEPTED, APPROVED, FORBIDDEN, refuse, type Answer } from './answers.js';
import type { WebhookPayload } from '../api/index.js';

/** The gate routes, by path. */
export const GateRoute = {
  Approve: '/gate/approve',
  Halt: '/gate/halt',
  Check: '/gate/check',
  Open: '/gate/open',
  Close: '/gate/close',
  RollbackCheck: '/rollback/check',
  RollbackOpen: '/rollback/open',
  RollbackClose: '/rollback/close',
} as const;
/** Union of {@link GateRoute} paths. */
export type GateRoute = (typeof GateRoute)[keyof typeof GateRoute];

const ROUTES: ReadonlySet<string> = new Set(Object.values(GateRoute));

/** Whether `path` is a gate route. */
export function isGateRoute(path: string): path is GateRoute {
  return ROUTES.has(path);
}

/** Routes that answer without reading the body. */
export function answersWithoutBody(route: GateRoute): Answer | undefined {
  if (route === GateRoute.Approve) return APPROVED;
  if (route === GateRoute.Halt) return FORBIDDEN;
  return undefined;
}

/** Open gates, at most `maxOpen` (a closed gate takes no room). */
export class GateStore {
  private readonly open = new Set<string>();

  constructor(
    private readonly onChange: (key: string, open: boolean) => void,
    private readonly maxOpen = 10_000,
  ) {}

  /** The answer of a gate route for a parsed payload. */
  answer(route: GateRoute, payload: WebhookPayload): Answer {
    const fixed = answersWithoutBody(route);
    if (fixed) return fixed;
    const rollback = route.startsWith('/rollback/');
    const key = `${rollback ? 'rollback.' : ''}${payload.name}.${payload.namespace}`;
    if (route === GateRoute.Check || route === GateRoute.RollbackCheck) {
      return this.open.has(key) ? APPROVED : FORBIDDEN;
    }
    if (!payload.name || !payload.namespace) {
      return refuse(
        'NoCanary',
        `${route} needs the canary's "name" and "namespace" in the body, like {"name":"account","namespace":"shop"}`,
      );
    }
    const opening = route === GateRoute.Open || route === GateRoute.RollbackOpen;
    if (opening && !this.open.has(key) && this.open.size >= this.maxOpen) {
      return refuse(
        'TooManyGates',
        `${this.maxOpen} gates are open already; close some with /gate/close or /rollback/close`,
      );
    }
    if (opening) this.open.add(key);
    else this.open.delete(key);
    this.onChange(key, opening);
    return ACCEPTED;
  }
}
