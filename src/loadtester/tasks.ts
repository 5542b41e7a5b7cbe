/**
 * The task endpoint `/` (flagger-spec §9.3): reads `metadata.type`, `cmd`, `timeout`,
 * `logCmdOutput` and `returnCmdOutput`, decides how the command runs, and answers as Flagger's load
 * tester does — `cmd` tasks at once with 202 (an identical task of the same canary still running is
 * skipped), `bash`/`kubectl`/`helm` tasks when done with 200 or 500. `hey` and `curl` commands run
 * in-process; anything else runs as a child process only with `--enable-commands`, the token, and
 * every program of the command in `--allow-command`.
 */
import type { Logger } from 'pino';
import type { WebhookPayload } from '../api/index.js';
import { bounded } from '../lib/bounded.js';
import { positiveDurationMs } from '../lib/duration.js';
import { ACCEPTED, ok, refuse, type Answer } from './answers.js';
import { presentedToken, tokenProblem, type TokenSource } from './auth.js';
import { parseCurl, type CurlPlan } from './curl-command.js';
import { parseHey } from './hey-command.js';
import type { LoadPlan } from './load-generator.js';
import type { LoadTesterMetrics } from './metrics.js';
import { parseCommandLine } from './shell-words.js';
import type { TargetPolicy } from './targets.js';
import type { TaskContext, TaskResult, TaskRuns } from './task-runs.js';

/** How each `metadata.type` runs: async or blocking, and through which program. */
const TASK_TYPES: Readonly<Record<string, { readonly blocking: boolean; readonly program?: string }>> = {
  cmd: { blocking: false },
  bash: { blocking: true },
  kubectl: { blocking: true, program: 'kubectl' },
  helm: { blocking: true, program: 'helm' },
  helmv3: { blocking: true, program: 'helm' },
};

/** The settings the task endpoint reads. */
export interface TaskRunnerOptions {
  /** Longest a task may run (`--timeout`), ms; `metadata.timeout` may ask for less. */
  readonly timeoutMs: number;
  /** Run commands other than hey and curl as child processes (`--enable-commands`). */
  readonly enableCommands: boolean;
  /** Programs those commands may run (`--allow-command`). */
  readonly allowCommands: readonly string[];
}

/** Ports of {@link TaskRunner}. */
export interface TaskRunnerDeps {
  readonly log: Logger;
  readonly metrics: LoadTesterMetrics;
  readonly runs: TaskRuns;
  readonly policy: TargetPolicy;
  /** The expected token; required when commands are enabled. */
  readonly token?: TokenSource | undefined;
}

type Plan =
  | { readonly kind: 'hey'; readonly plan: LoadPlan }
  | { readonly kind: 'curl'; readonly plan: CurlPlan; readonly url: URL }
  | { readonly kind: 'command'; readonly argv: readonly string[] };

/** Who asked and how the answer should look. */
interface Request {
  readonly payload: WebhookPayload;
  readonly metadata: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly canary: string;
}

/** Answers `/`; one instance per load tester. */
export class TaskRunner {
  private readonly running = new Set<string>();
  private readonly stopping = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();
  private nextId = 1;

  constructor(
    private readonly deps: TaskRunnerDeps,
    private readonly options: TaskRunnerOptions,
  ) {}

  /** The answer to one payload posted to `/`. */
  async answer(payload: WebhookPayload, authorization: string | undefined): Promise<Answer> {
    const metadata = payload.metadata;
    if (!metadata) return refuse('NoMetadata', 'metadata not found in payload');
    const type = metadata.type || 'cmd';
    const mode = Object.hasOwn(TASK_TYPES, type) ? TASK_TYPES[type] : undefined;
    if (!mode) {
      return refuse(
        'UnknownType',
        `unknown task type ${JSON.stringify(type)}: set metadata.type to cmd (the default) or bash`,
      );
    }
    const cmd = metadata.cmd ?? '';
    if (cmd.trim() === '') return refuse('NoCommand', 'cmd not found in metadata');
    const timeoutMs = this.timeoutOf(metadata.timeout);
    if (typeof timeoutMs !== 'number') return timeoutMs;
    const request = { payload, metadata, authorization, canary: `${payload.name}.${payload.namespace}` };
    const plan = mode.program
      ? await this.external(request, [mode.program, ...cmd.trim().split(/\s+/)], [mode.program])
      : await this.planCommand(request, type, cmd);
    if ('status' in plan) return plan;
    const context: TaskContext = { id: this.nextId++, canary: request.canary, timeoutMs, signal: this.stopping.signal };
    const logOutput = metadata.logCmdOutput === 'true';
    if (mode.blocking) {
      const result = await this.execute(plan, context, logOutput);
      if (!result.ok) return { status: 500, body: bounded(result.failure ?? 'command failed') };
      return ok(metadata.returnCmdOutput === 'true' ? result.output : '');
    }
    const key = `${request.canary}\n${cmd}`;
    if (this.running.has(key)) {
      this.deps.metrics.tasks.labels(plan.kind, 'skipped').inc();
      this.deps.log.debug({ canary: request.canary, kind: plan.kind }, 'identical task still running; skipped');
      return ACCEPTED;
    }
    this.running.add(key);
    const task = this.execute(plan, context, logOutput).finally(() => {
      this.running.delete(key);
      this.pending.delete(task);
    });
    this.pending.add(task);
    return ACCEPTED;
  }

  /** Stops every running task (their children are killed) and waits for them to end. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.pending]);
  }

  private timeoutOf(text: string | undefined): number | Answer {
    if (text === undefined || text === '') return this.options.timeoutMs;
    const ms = positiveDurationMs(text);
    if (ms === undefined) {
      return refuse(
        'BadTimeout',
        `metadata.timeout ${JSON.stringify(bounded(text, 40))} is not a duration like 30s, 5m or 1h`,
      );
    }
    if (ms > this.options.timeoutMs) {
      return refuse(
        'BadTimeout',
        `metadata.timeout ${text} is longer than the load tester's --timeout (${this.options.timeoutMs / 1000}s); shorten it or raise --timeout`,
      );
    }
    return Math.ceil(ms);
  }

  private async planCommand(request: Request, type: string, cmd: string): Promise<Plan | Answer> {
    const parsed = parseCommandLine(cmd);
    if (!parsed.ok) return refuse('BadCommand', `metadata.cmd: ${parsed.reason}`);
    const { commands, needsShell } = parsed.value;
    const first = commands[0]!;
    const program = commands.length === 1 && !needsShell ? first.words[0] : undefined;
    if (program === 'hey' || program === 'curl') {
      const builtin = this.builtin(request, program, first.words.slice(1));
      const fallback = this.options.enableCommands && this.options.allowCommands.includes(program);
      // A hey or curl option the built-in one lacks runs the real program, when it is allowed.
      if ('kind' in builtin || builtin.refusal !== 'BadCommand' || !fallback) return builtin;
    }
    const argv = needsShell ? [type === 'bash' ? 'bash' : 'sh', '-c', cmd] : first.words;
    return this.external(
      request,
      argv,
      commands.map((c) => c.words[0]!),
    );
  }

  private builtin(request: Request, program: 'hey' | 'curl', args: readonly string[]): Plan | Answer {
    const parsed = program === 'hey' ? parseHey(args) : parseCurl(args);
    if (!parsed.ok) return refuse('BadCommand', `metadata.cmd: ${parsed.reason}`);
    let url: URL;
    try {
      url = new URL(parsed.plan.url);
    } catch {
      return refuse(
        'BadCommand',
        `metadata.cmd: ${program}'s URL ${JSON.stringify(bounded(parsed.plan.url, 200))} is not a URL`,
      );
    }
    const decision = this.deps.policy.check(url);
    if (!decision.ok) {
      this.deps.log.warn({ canary: request.canary, program, host: url.hostname }, 'load target refused');
      return refuse('TargetNotAllowed', `metadata.cmd: ${decision.reason}`);
    }
    if ('concurrency' in parsed.plan) return { kind: 'hey', plan: { ...parsed.plan, url } };
    return { kind: 'curl', plan: parsed.plan, url };
  }

  private async external(
    request: Request,
    argv: readonly string[],
    programs: readonly string[],
  ): Promise<Plan | Answer> {
    const names = [...new Set(programs)];
    if (!this.options.enableCommands || !this.deps.token) {
      return refuse(
        'CommandsDisabled',
        `metadata.cmd runs ${names.join(', ')}: the load tester runs only hey and curl commands unless started with --enable-commands and --allow-command ${names[0]}`,
      );
    }
    const problem = await tokenProblem(presentedToken(request.authorization, request.metadata), this.deps.token);
    if (problem) {
      this.deps.log.warn({ canary: request.canary }, 'command refused: no valid token');
      return refuse('Unauthorized', problem);
    }
    const refused = names.filter((p) => !this.options.allowCommands.includes(p));
    if (refused.length > 0) {
      this.deps.log.warn(
        { canary: request.canary, programs: refused },
        'command refused: program not in --allow-command',
      );
      return refuse(
        'ProgramNotAllowed',
        `metadata.cmd runs ${refused.map((p) => JSON.stringify(bounded(p, 64))).join(', ')}, not in the load tester's --allow-command (${this.options.allowCommands.join(', ')}); use an allowed program or add it to --allow-command`,
      );
    }
    return { kind: 'command', argv };
  }

  private async execute(plan: Plan, context: TaskContext, logOutput: boolean): Promise<TaskResult> {
    const { log, metrics, runs } = this.deps;
    const started = performance.now();
    const where =
      plan.kind === 'command'
        ? { program: plan.argv[0] }
        : { target: (plan.kind === 'hey' ? plan.plan.url : plan.url).host };
    log.info({ task: context.id, canary: context.canary, kind: plan.kind, ...where }, 'task started');
    metrics.running.labels(plan.kind).inc();
    let result: TaskResult;
    try {
      if (plan.kind === 'hey') result = await runs.hey(context, plan.plan);
      else if (plan.kind === 'curl') result = await runs.curl(context, plan.plan, plan.url);
      else result = await runs.child(context, plan.argv);
    } catch (err) {
      result = { ok: false, timedOut: false, output: '', failure: `task failed: ${(err as Error).message}` };
    } finally {
      metrics.running.labels(plan.kind).dec();
    }
    const outcome = result.ok ? 'succeeded' : result.timedOut ? 'timeout' : 'failed';
    metrics.tasks.labels(plan.kind, outcome).inc();
    const fields = {
      task: context.id,
      canary: context.canary,
      kind: plan.kind,
      outcome,
      ms: Math.round(performance.now() - started),
    };
    if (result.ok) log.info(fields, 'task finished');
    else log.warn({ ...fields, reason: bounded(result.failure ?? '', 512) }, 'task finished');
    if (logOutput && result.output)
      log.info({ task: context.id, canary: context.canary, output: bounded(result.output, 16_384) }, 'command output');
    return result;
  }
}
