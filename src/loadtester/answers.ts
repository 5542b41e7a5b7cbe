/**
 * What the load tester answers: Flagger's load-tester statuses and texts where it has them
 * (`Approved`, `Forbidden`, `metadata not found in payload`, `cmd not found in metadata`), and a
 * closed catalog of refusals, each with one status and documented in docs/loadtester.md. A refusal
 * text names the field or flag and the fix: the operator quotes it in the Canary's events.
 */
import { bounded } from '../lib/bounded.js';

/** Every reason the load tester refuses a request, with its HTTP status. */
export const Refusal = {
  /** The body is not JSON, or not a webhook payload. */
  BadPayload: 400,
  /** The payload has no `metadata` (task endpoint). */
  NoMetadata: 400,
  /** `metadata.cmd` is missing or empty. */
  NoCommand: 400,
  /** `metadata.type` is not a task type the load tester runs. */
  UnknownType: 400,
  /** `metadata.cmd` cannot be read, or its hey/curl options are wrong. */
  BadCommand: 400,
  /** `metadata.timeout` is not a duration, or longer than `--timeout`. */
  BadTimeout: 400,
  /** `/gate/open`, `/gate/close` and the rollback ones need `name` and `namespace`. */
  NoCanary: 400,
  /** A command needs the token and none, or a wrong one, came. */
  Unauthorized: 401,
  /** The payload's namespace does not match `--namespace-regexp`. */
  NamespaceNotAllowed: 403,
  /** Commands other than hey and curl are off (`--enable-commands` not given). */
  CommandsDisabled: 403,
  /** A program of the command is not in `--allow-command`. */
  ProgramNotAllowed: 403,
  /** A URL of hey or curl is not allowed by `--allow-target`. */
  TargetNotAllowed: 403,
  /** The body is longer than `--max-body-bytes`. */
  BodyTooLarge: 413,
  /** The gate store holds as many open gates as it may. */
  TooManyGates: 503,
} as const;
/** Union of {@link Refusal} names. */
export type RefusalCode = keyof typeof Refusal;

/** One HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  /** Set on refusals: which one. */
  readonly refusal?: RefusalCode | undefined;
}

/** A refusal: its catalog status and a bounded text. */
export function refuse(code: RefusalCode, message: string): Answer {
  return { status: Refusal[code], body: bounded(message), refusal: code };
}

/** 200 with `body`. */
export function ok(body = ''): Answer {
  return { status: 200, body };
}

/** 202, empty: accepted (a task started, a gate set). */
export const ACCEPTED: Answer = Object.freeze({ status: 202, body: '' });

/** Flagger's answer of an open gate. */
export const APPROVED: Answer = Object.freeze({ status: 200, body: 'Approved' });

/** Flagger's answer of a closed gate. */
export const FORBIDDEN: Answer = Object.freeze({ status: 403, body: 'Forbidden' });
