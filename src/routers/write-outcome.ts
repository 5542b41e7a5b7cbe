/**
 * Turning API server refusals into `Problem`s. A refusal the user can fix (the object is invalid, a
 * webhook or RBAC said no) becomes a value with a fix; anything else (a conflict with a stale
 * cache, the API server unreachable) is thrown for the controller to retry on the next tick.
 */
import { KubeErrorReason, KubeWriteError, type WriteOptions } from '../kube/cluster.js';
import type { Result } from '../lib/result.js';

/** The successful `Result<void>`. */
export const OK: Result<void> = { ok: true, value: undefined };

function userFixable(err: KubeWriteError): boolean {
  if (err.reason === KubeErrorReason.Invalid || err.reason === KubeErrorReason.Forbidden) return true;
  // Admission webhooks (App Mesh's mesh membership check, policy engines) deny with 400 or 422.
  return err.status === 400 || err.status === 422;
}

/**
 * The Problem for a refused write, or rethrows `err` when it is not the user's to fix.
 * `what` prefixes the message ("service account-primary.shop create error"); `fix` is the advice
 * for an invalid object (RBAC refusals get their own).
 */
export function writeProblem(err: unknown, what: string, fix: string): Result<void> {
  if (!(err instanceof KubeWriteError) || !userFixable(err)) throw err;
  const rbac = err.reason === KubeErrorReason.Forbidden && /cannot (create|update|patch)/.test(err.message);
  return {
    ok: false,
    problem: {
      message: `${what}: ${err.message}`,
      fix: rbac ? "grant Serin's ServiceAccount create, update and patch on this resource" : fix,
    },
  };
}

/** `WriteOptions` carrying the signal only when there is one (exactOptionalPropertyTypes). */
export function withSignal(signal: AbortSignal | undefined): WriteOptions {
  return signal ? { signal } : {};
}
