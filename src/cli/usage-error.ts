/**
 * A command was called with bad flags or arguments: the message names each and the fix. The
 * composition root prints it and exits with code 2 (as commander does for usage errors), so a
 * script can tell "you called it wrong" from "it ran and failed" (code 1).
 */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
