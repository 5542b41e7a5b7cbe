/**
 * How a person steers a live release: the `serin.dev/command` and `serin.dev/paused` annotations,
 * written with the caller's own credentials. One module for `serin promote|abort|retry|pause|resume`
 * and the dashboard's action buttons, so both refuse the same things with the same words.
 */
import { COMMAND_ANNOTATION, PAUSED_ANNOTATION, type Canary, type CanaryCommand, type Phase } from '../api/index.js';
import { commandRefusal } from '../engine/index.js';
import type { KubeRest } from '../kube/rest.js';

/** One Canary, reached with the credentials of whoever asks (never someone else's). */
export interface CanaryTarget {
  readonly rest: KubeRest;
  readonly namespace: string;
  readonly name: string;
  /** `fieldManager` of the writes (the API server's default, from the User-Agent, when unset). */
  readonly fieldManager?: string;
}

/** Why an action did not happen, as a closed set callers map to exit codes or HTTP statuses. */
export const ActionFailure = {
  /** The canary does not exist. */
  NotFound: 'NotFound',
  /** The API server refused the caller (RBAC). */
  Forbidden: 'Forbidden',
  /** The canary's state refuses the action (phase, suspended, another command pending, keeps changing). */
  Refused: 'Refused',
  /** Anything else the API server answered. */
  Failed: 'Failed',
} as const;
export type ActionFailure = (typeof ActionFailure)[keyof typeof ActionFailure];

/** An action that did not happen; the message says why and what to do. */
export class CanaryActionError extends Error {
  constructor(
    readonly failure: ActionFailure,
    message: string,
  ) {
    super(message);
    this.name = 'CanaryActionError';
  }
}

export function canaryPath(namespace: string, name: string): string {
  return `/apis/flagger.app/v1beta1/namespaces/${encodeURIComponent(namespace)}/canaries/${encodeURIComponent(name)}`;
}

/** Throws a {@link CanaryActionError} a person can act on when the API server did not say yes. */
function check(t: CanaryTarget, verb: string, res: { status: number; body: string }): void {
  if (res.status === 404)
    throw new CanaryActionError(ActionFailure.NotFound, `canary ${t.name} not found in namespace ${t.namespace}`);
  if (res.status === 403)
    throw new CanaryActionError(
      ActionFailure.Forbidden,
      `not allowed to ${verb} canaries in namespace ${t.namespace} (RBAC: needs ${verb} on canaries.flagger.app)`,
    );
  if (res.status < 200 || res.status > 299)
    throw new CanaryActionError(
      ActionFailure.Failed,
      `${verb} canary ${t.name}: HTTP ${res.status} ${res.body.slice(0, 300)}`,
    );
}

/**
 * Sets (or, with null, removes) an annotation on a Canary. With `resourceVersion`, only if the
 * Canary has not changed since it was read: then 409 is returned rather than thrown.
 */
export async function annotate(
  t: CanaryTarget,
  key: string,
  value: string | null,
  resourceVersion?: string,
): Promise<number> {
  const manager = t.fieldManager ? `?fieldManager=${encodeURIComponent(t.fieldManager)}` : '';
  const res = await t.rest.request(`${canaryPath(t.namespace, t.name)}${manager}`, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { metadata: { ...(resourceVersion ? { resourceVersion } : {}), annotations: { [key]: value } } },
  });
  if (res.status === 409 && resourceVersion) return res.status;
  check(t, 'patch', res);
  return res.status;
}

export async function readCanary(t: CanaryTarget): Promise<Canary> {
  const res = await t.rest.request(canaryPath(t.namespace, t.name));
  check(t, 'get', res);
  return JSON.parse(res.body) as Canary;
}

/**
 * Why `command` cannot be asked of this canary now (the whole sentence), or undefined when it can.
 * Reads the object defensively: a Canary the API server holds may miss any part.
 */
export function commandProblem(canary: Canary, command: CanaryCommand): string | undefined {
  const id = `${canary.metadata?.namespace ?? ''}/${canary.metadata?.name ?? ''}`;
  const phase: Phase = canary.status?.phase ?? '';
  if (canary.spec?.suspend)
    return `cannot ${command} canary ${id}: it is suspended (spec.suspend: true); unsuspend it first`;
  const refusal = commandRefusal(command, phase);
  if (refusal) return `cannot ${command} canary ${id}: ${refusal}`;
  const pending = canary.metadata?.annotations?.[COMMAND_ANNOTATION];
  if (pending && pending !== command)
    return `canary ${id} already has a pending ${COMMAND_ANNOTATION}=${pending}; wait for the operator to take it (or remove the annotation)`;
  return undefined;
}

/**
 * Writes the one-shot `serin.dev/command` annotation, refusing at once what cannot apply. The write
 * carries the resourceVersion it was decided on, so a canary that changed meanwhile is read and
 * decided again (three times at most).
 */
export async function requestCommand(t: CanaryTarget, command: CanaryCommand): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const canary = await readCanary(t);
    const problem = commandProblem(canary, command);
    if (problem) throw new CanaryActionError(ActionFailure.Refused, problem);
    const status = await annotate(t, COMMAND_ANNOTATION, command, canary.metadata?.resourceVersion);
    if (status !== 409) return;
    if (attempt >= 2)
      throw new CanaryActionError(
        ActionFailure.Refused,
        `canary ${t.namespace}/${t.name} keeps changing; run \`serin ${command} ${t.name}\` again`,
      );
  }
}

/** What `serin <command> --no-wait` prints, and the dashboard answers, once the request is written. */
export function commandRequested(t: Pick<CanaryTarget, 'namespace' | 'name'>, command: CanaryCommand): string {
  return `canary ${t.namespace}/${t.name}: ${command} requested (${COMMAND_ANNOTATION}=${command}); the operator acts on it at once`;
}

/** `serin pause` / `serin resume`: sets or removes `serin.dev/paused`; returns what happened. */
export async function setPaused(t: CanaryTarget, paused: boolean): Promise<string> {
  await annotate(t, PAUSED_ANNOTATION, paused ? 'true' : null);
  return paused
    ? `canary ${t.namespace}/${t.name} paused; it holds its traffic weights until \`serin resume ${t.name}\``
    : `canary ${t.namespace}/${t.name} resumed; the next analysis tick goes on`;
}
