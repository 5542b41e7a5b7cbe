/**
 * Runs one task of each kind — a `hey` load run on the built-in generator, a `curl` request, or a
 * child process — under the task's timeout, updating the metrics and logging progress. Each returns
 * its outcome as a value: the output (a hey-style summary, curl's output, the process output) and,
 * on failure, the text the webhook answer carries.
 */
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { runChild } from './child-command.js';
import { runCurl, type CurlPlan } from './curl-command.js';
import { LoadRun, type LoadObserver, type LoadPlan, type LoadReport, type LoadRunner } from './load-generator.js';
import { ThreadedLoadRun, type LoadThreadPool } from './load-threads.js';
import { LoadErrorKind, type LoadTesterMetrics } from './metrics.js';

/** One task's run settings. */
export interface TaskContext {
  /** Sequence number, in logs. */
  readonly id: number;
  /** `<name>.<namespace>` of the canary that asked. */
  readonly canary: string;
  readonly timeoutMs: number;
  /** Aborts when the load tester stops. */
  readonly signal: AbortSignal;
}

/** How a task ended. */
export interface TaskResult {
  readonly ok: boolean;
  /** True when the timeout ended it. */
  readonly timedOut: boolean;
  readonly output: string;
  /** Why it failed, for the webhook answer; undefined when ok. */
  readonly failure?: string | undefined;
}

/** Ports of {@link TaskRuns}. */
export interface TaskRunsDeps {
  readonly log: Logger;
  readonly metrics: LoadTesterMetrics;
  /** Carries every generated request (the target policy's dialer). */
  readonly dispatcher: Dispatcher;
  /** Threads unpaced runs with 2 workers a thread or more are spread over; unset: every run on this thread. */
  readonly threads?: LoadThreadPool | undefined;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(4)} secs`;
}

/** A summary like hey prints: totals, latency distribution, status codes, errors. */
export function loadSummary(report: LoadReport): string {
  const { latency } = report;
  const rps = report.elapsedMs > 0 ? (report.requests * 1000) / report.elapsedMs : 0;
  const lines = [
    'Summary:',
    `  Total:\t${seconds(report.elapsedMs)}`,
    `  Slowest:\t${seconds(latency.count ? latency.max : 0)}`,
    `  Fastest:\t${seconds(latency.count ? latency.min : 0)}`,
    `  Average:\t${seconds(latency.count ? latency.mean() : 0)}`,
    `  Requests/sec:\t${rps.toFixed(4)}`,
    '',
    'Latency distribution:',
    ...[10, 25, 50, 75, 90, 95, 99].map((p) => `  ${p}% in ${seconds(latency.count ? latency.percentile(p) : 0)}`),
    '',
    'Status code distribution:',
    ...[...report.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `  [${s}]\t${n} responses`),
  ];
  if (report.failures.size > 0) {
    lines.push('', 'Error distribution:', ...[...report.failures].map(([code, n]) => `  [${n}]\t${code}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Runs tasks; one instance per load tester. */
export class TaskRuns {
  constructor(
    private readonly deps: TaskRunsDeps,
    private readonly options: { readonly progressIntervalMs: number },
  ) {}

  /** A load run on the built-in generator; logs progress every `progressIntervalMs`. */
  async hey(context: TaskContext, plan: LoadPlan): Promise<TaskResult> {
    const target = plan.url.host;
    const run = this.loadRun(plan, this.observer(target));
    const threads = run instanceof ThreadedLoadRun ? run.threads : 1;
    this.deps.log.info(
      { task: context.id, canary: context.canary, target, workers: plan.concurrency, threads },
      'load run started',
    );
    const timeout = AbortSignal.timeout(context.timeoutMs);
    let last = { at: performance.now(), requests: 0 };
    const progress = setInterval(() => {
      const now = performance.now();
      const r = run.report;
      const rps = ((r.requests - last.requests) * 1000) / (now - last.at);
      last = { at: now, requests: r.requests };
      const errors = r.errors.network + r.errors.timeout + r.errors.status;
      this.deps.log.info(
        { task: context.id, canary: context.canary, target, sent: r.requests, errors, rps: Math.round(rps) },
        'load progress',
      );
    }, this.options.progressIntervalMs);
    progress.unref();
    try {
      const report = await run.run(AbortSignal.any([context.signal, timeout]));
      const output = loadSummary(report);
      if (timeout.aborted) return this.timedOut(context, output);
      return { ok: true, timedOut: false, output };
    } finally {
      clearInterval(progress);
    }
  }

  /** One curl request; a non-zero curl exit code is a failure. */
  async curl(context: TaskContext, plan: CurlPlan, url: URL): Promise<TaskResult> {
    const observer = this.observer(url.host);
    const timeout = AbortSignal.timeout(context.timeoutMs);
    const result = await runCurl(plan, url, this.deps.dispatcher, AbortSignal.any([context.signal, timeout]), (o) => {
      if (o.status !== undefined) observer.response(o.status, o.latencyMs);
      else
        observer.failure(o.errorCode?.includes('TIMEOUT') ? LoadErrorKind.Timeout : LoadErrorKind.Network, o.latencyMs);
    });
    if (timeout.aborted) return this.timedOut(context, result.output);
    if (result.exitCode === 0) return { ok: true, timedOut: false, output: result.output };
    const failure = `curl exit code ${result.exitCode}${result.output ? `: ${result.output.trim()}` : ''}`;
    return { ok: false, timedOut: false, output: result.output, failure };
  }

  /** A child process; killed with everything it started when the timeout passes. */
  async child(context: TaskContext, argv: readonly string[]): Promise<TaskResult> {
    const result = await runChild(argv, context.timeoutMs, context.signal);
    if (result.startError !== undefined) {
      const failure = `${argv[0]} could not start (${result.startError}): is it installed on the load tester's PATH?`;
      return { ok: false, timedOut: false, output: '', failure };
    }
    if (result.killed) return this.timedOut(context, result.output);
    if (result.exitCode === 0) return { ok: true, timedOut: false, output: result.output };
    const failure = `command failed with exit code ${result.exitCode ?? '?'}${result.output ? `: ${result.output.trim()}` : ''}`;
    return { ok: false, timedOut: false, output: result.output, failure };
  }

  /** On this thread, or — unpaced, with 2 workers a thread or more — over the load threads. */
  private loadRun(plan: LoadPlan, observer: LoadObserver): LoadRunner {
    const pool = this.deps.threads;
    const count = pool && plan.ratePerWorker === 0 ? Math.min(pool.size, Math.floor(plan.concurrency / 2)) : 1;
    if (!pool || count < 2) return new LoadRun({ dispatcher: this.deps.dispatcher, observer }, plan);
    return pool.run(plan, count, observer);
  }

  private timedOut(context: TaskContext, output: string): TaskResult {
    const failure = `command timed out after ${context.timeoutMs / 1000}s and was stopped${output ? `: ${output.trim()}` : ''}`;
    return { ok: false, timedOut: true, output, failure };
  }

  private observer(target: string): LoadObserver {
    const m = this.deps.metrics;
    const requests = m.requests.labels(target);
    const latency = m.latency.labels(target);
    const errors = {
      network: m.errors.labels(target, LoadErrorKind.Network),
      timeout: m.errors.labels(target, LoadErrorKind.Timeout),
      status: m.errors.labels(target, LoadErrorKind.Status),
    };
    return {
      response(status, ms) {
        requests.inc();
        latency.observe(ms / 1000);
        if (status >= 500) errors.status.inc();
      },
      failure(kind, ms) {
        requests.inc();
        latency.observe(ms / 1000);
        errors[kind].inc();
      },
    };
  }
}
