/**
 * What `serin check` found, as data: one line per check, grouped in sections, per Canary. The text
 * and JSON renderings and the exit code are all derived from this one value, which is complete
 * before anything is printed.
 */

/** How a check came out: `fail` makes the exit code 1; `warn` is worth reading but allowed. */
export const CheckStatus = { Pass: 'pass', Warn: 'warn', Fail: 'fail' } as const;
/** Union of {@link CheckStatus} values. */
export type CheckStatus = (typeof CheckStatus)[keyof typeof CheckStatus];

/** Machine-readable extras of a line (the metric value, a webhook's address, a field path…), for `-o json`. */
export type CheckData = Readonly<Record<string, string | number | boolean>>;

/** One check's outcome. */
export interface CheckLine {
  readonly status: CheckStatus;
  /** What was found, naming the object: `Deployment shop/account not found`. No URL paths, no secrets. */
  readonly message: string;
  /** What to do about it; only on `warn` and `fail` lines. */
  readonly fix?: string;
  readonly data?: CheckData;
}

/** Section ids, in the order they are printed. */
export const SectionId = {
  Input: 'input',
  Cluster: 'cluster',
  Validation: 'validation',
  Metrics: 'metrics',
  /** The statistical judge's pre-flight (Canaries with `spec.analysis.judge` only). */
  Judge: 'judge',
  Webhooks: 'webhooks',
} as const;
/** Union of {@link SectionId} values. */
export type SectionId = (typeof SectionId)[keyof typeof SectionId];

/** A group of lines under a title. */
export interface Section {
  readonly id: SectionId;
  /** Printed title, e.g. `Metrics`. */
  readonly title: string;
  /** Printed after the title, e.g. `Prometheus http://127.0.0.1:9090`. */
  readonly note?: string;
  readonly checks: readonly CheckLine[];
}

/** Everything checked for one Canary document. */
export interface CanaryReport {
  /** `metadata.name`, or `document N` when the document has none. */
  readonly name: string;
  readonly namespace: string;
  readonly file: string;
  /** 1-based position of the document in its file. */
  readonly document: number;
  readonly sections: readonly Section[];
  /** Why the cluster, metric and webhook checks did not run (an invalid Canary). */
  readonly skipped?: string;
}

/** The whole report. */
export interface CheckReport {
  /** The `-f` files, as given. */
  readonly files: readonly string[];
  /** Checks not tied to one Canary: other documents of the files, the API server, the CRDs. */
  readonly general: readonly Section[];
  readonly canaries: readonly CanaryReport[];
}

/** Counts of a report, and the exit code they give. */
export interface CheckSummary {
  readonly canaries: number;
  readonly passed: number;
  readonly warnings: number;
  readonly errors: number;
  /** 0 without errors (warnings allowed), 1 with any. */
  readonly exitCode: 0 | 1;
}

/** Exit codes of `serin check`. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** A passing line. */
export function pass(message: string, data?: CheckData): CheckLine {
  return data ? { status: CheckStatus.Pass, message, data } : { status: CheckStatus.Pass, message };
}

/** A warning line: allowed, but worth reading. */
export function warn(message: string, fix?: string, data?: CheckData): CheckLine {
  return line(CheckStatus.Warn, message, fix, data);
}

/** A failed line: the exit code becomes 1. */
export function fail(message: string, fix?: string, data?: CheckData): CheckLine {
  return line(CheckStatus.Fail, message, fix, data);
}

function line(status: CheckStatus, message: string, fix: string | undefined, data: CheckData | undefined): CheckLine {
  return { status, message, ...(fix ? { fix } : {}), ...(data ? { data } : {}) };
}

/** Every line of the report, general sections first. */
export function allLines(report: CheckReport): CheckLine[] {
  return [...report.general, ...report.canaries.flatMap((c) => c.sections)].flatMap((s) => s.checks);
}

/** Counts the lines of a report and derives the exit code. */
export function summarize(report: CheckReport): CheckSummary {
  const lines = allLines(report);
  const count = (status: CheckStatus): number => lines.filter((l) => l.status === status).length;
  const errors = count(CheckStatus.Fail);
  return {
    canaries: report.canaries.length,
    passed: count(CheckStatus.Pass),
    warnings: count(CheckStatus.Warn),
    errors,
    exitCode: errors > 0 ? ExitCode.Failed : ExitCode.Ok,
  };
}
