import type { Problem } from './target.js';

/**
 * Thrown by the port's void operations (scale, promote) when an expected problem — target gone,
 * selector label removed, config missing — makes the operation impossible. It carries the Problem
 * so the controller can report it like the `Result` ones; the message is the Problem's message.
 */
export class TargetProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
    this.name = 'TargetProblemError';
  }
}
