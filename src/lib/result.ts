/**
 * Outcomes as values, shared by every port: an operation's value, or the Problem a user must fix.
 * Expected problems (an object missing, a label removed, a CRD not served) are returned, never thrown.
 */

/** An expected problem a user must fix, reported on the Canary's status and events. */
export interface Problem {
  /** What is wrong, naming the object: "deployment shop/account not found". */
  readonly message: string;
  /** What to do about it: "create the Deployment or fix spec.targetRef.name". */
  readonly fix: string;
  /**
   * The `Reconciled` condition reason when it is not the one of the step that found the problem: a
   * gateway that cannot do what the Canary asks is found while routing, but is `FeatureNotSupported`.
   */
  readonly condition?: 'FeatureNotSupported';
}

/** An operation's value, or the Problem that stopped it. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };
