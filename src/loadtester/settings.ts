/**
 * `serin loadtester`'s flags, validated once at the door (schema first, then what a schema cannot
 * say: patterns, durations, flags that need each other) into one frozen settings object. A bad flag
 * stops the load tester before it listens, naming the flag and the fix.
 */
import { Type, type Static } from '@sinclair/typebox';
import { createSchemaValidator } from '../api/index.js';
import { NON_NEGATIVE_DURATION_PATTERN, positiveDurationMs } from '../lib/duration.js';
import { parseTargetRule, type TargetRule } from './targets.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** Programs that run any other program: allowing one would allow everything. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'env', 'sudo', 'su', 'xargs', 'nohup']);

const Duration = (description: string) =>
  Type.String({ pattern: NON_NEGATIVE_DURATION_PATTERN, description: `${description} (like 30s, 10m, 1h)` });

/** The flags as commander hands them over. */
export const LoadTesterFlagsSchema = Type.Object({
  port: Type.String({ pattern: '^[0-9]{1,5}$' }),
  address: Type.String({ minLength: 1 }),
  timeout: Duration('longest a task may run'),
  namespaceRegexp: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String({ pattern: DNS_LABEL, maxLength: 63 })),
  clusterDomain: Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }),
  allowTarget: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  enableCommands: Type.Optional(Type.Boolean()),
  allowCommand: Type.Array(Type.String({ pattern: '^[A-Za-z0-9._/+-]+$' })),
  tokenFile: Type.Optional(Type.String({ minLength: 1 })),
  maxBodyBytes: Type.String({ pattern: '^[0-9]{1,10}$' }),
  progressInterval: Duration('how often a long load run logs its progress'),
  loadThreads: Type.String({ pattern: '^[0-9]{1,2}$' }),
  logLevel: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))),
});
/** The raw flags. */
export type LoadTesterFlags = Static<typeof LoadTesterFlagsSchema>;

/** The load tester's settings, validated, defaulted and frozen. */
export interface LoadTesterSettings {
  /** Port of every route (`--port`); 0 picks a free one. Default 8080, the chart's. */
  readonly port: number;
  /** Address to listen on (`--address`). Default `0.0.0.0`. */
  readonly address: string;
  /** Longest a task may run (`--timeout`), ms. Default 1 h, as Flagger's. */
  readonly timeoutMs: number;
  /** Payload namespaces served (`--namespace-regexp`, unanchored as Go's); unset: all. */
  readonly namespaceRegexp?: RegExp | undefined;
  /** The load tester's own namespace (`--namespace`), for bare Service names in targets. */
  readonly namespace?: string | undefined;
  /** The cluster's DNS domain (`--cluster-domain`). Default `cluster.local`. */
  readonly clusterDomain: string;
  /** Where load may go (`--allow-target`). Default `cluster`: Service names only. */
  readonly allowTargets: readonly TargetRule[];
  /** Run commands other than hey and curl as child processes (`--enable-commands`). Default off. */
  readonly enableCommands: boolean;
  /** Programs those commands may run (`--allow-command`). Default none. */
  readonly allowCommands: readonly string[];
  /** File holding the token commands need (`--token-file`, a mounted Secret); required with commands. */
  readonly tokenFile?: string | undefined;
  /** Longest request body read (`--max-body-bytes`). Default 1 MiB. */
  readonly maxBodyBytes: number;
  /** How often a load run logs its progress (`--progress-interval`), ms. Default 10 s. */
  readonly progressIntervalMs: number;
  /** Threads an unpaced load run spreads over (`--load-threads`); 0: one per CPU, at most 4. Default 0. */
  readonly loadThreads: number;
  /** `--log-level`. Default `info`. */
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

/** One bad flag and the fix. */
export interface FlagIssue {
  readonly flag: string;
  readonly message: string;
}

const validateFlags = createSchemaValidator<LoadTesterFlags>(LoadTesterFlagsSchema, 'prune');

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Validates the flags into settings, or lists every bad flag with its fix. */
export function parseLoadTesterFlags(
  raw: Record<string, unknown>,
): { readonly ok: true; readonly settings: LoadTesterSettings } | { readonly ok: false; readonly issues: FlagIssue[] } {
  const checked = validateFlags(raw);
  const issues: FlagIssue[] = checked.ok
    ? []
    : checked.issues.map((i) => ({ flag: flagName(i.path.split(/[.[]/)[0] ?? ''), message: i.message }));
  if (!checked.ok) return { ok: false, issues };
  const f = checked.value;
  const rules = f.allowTarget.flatMap((text) => {
    const parsed = parseTargetRule(text);
    if (!parsed.ok) issues.push({ flag: '--allow-target', message: parsed.reason });
    return parsed.ok ? [parsed.rule] : [];
  });
  const settings = {
    port: Number(f.port),
    address: f.address,
    timeoutMs: duration(issues, '--timeout', f.timeout),
    namespaceRegexp: regexp(issues, f.namespaceRegexp),
    namespace: f.namespace,
    clusterDomain: f.clusterDomain,
    allowTargets: rules,
    enableCommands: f.enableCommands === true,
    allowCommands: f.allowCommand,
    tokenFile: f.tokenFile,
    maxBodyBytes: Number(f.maxBodyBytes),
    progressIntervalMs: duration(issues, '--progress-interval', f.progressInterval),
    loadThreads: Number(f.loadThreads),
    logLevel: f.logLevel,
  };
  if (settings.port > 65535) issues.push({ flag: '--port', message: `${settings.port} is not a port; use 0 to 65535` });
  if (settings.maxBodyBytes < 1024) issues.push({ flag: '--max-body-bytes', message: 'must be at least 1024' });
  commandIssues(settings, issues);
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    settings: Object.freeze({
      ...settings,
      allowTargets: Object.freeze(rules),
      allowCommands: Object.freeze([...f.allowCommand]),
    }),
  };
}

function duration(issues: FlagIssue[], flag: string, text: string): number {
  const ms = positiveDurationMs(text);
  if (ms === undefined)
    issues.push({ flag, message: `"${text}" must be a duration longer than 0, like 30s, 10m or 1h` });
  return ms ?? 0;
}

function regexp(issues: FlagIssue[], text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (err) {
    issues.push({
      flag: '--namespace-regexp',
      message: `${JSON.stringify(text)} is not a regular expression: ${(err as Error).message}`,
    });
    return undefined;
  }
}

/** Commands are off unless asked for, and then only with a token and a list of programs. */
function commandIssues(s: Omit<LoadTesterSettings, 'allowTargets'>, issues: FlagIssue[]): void {
  if (!s.enableCommands) {
    if (s.allowCommands.length > 0)
      issues.push({
        flag: '--allow-command',
        message: 'has no effect without --enable-commands; add it or drop --allow-command',
      });
    if (s.tokenFile)
      issues.push({
        flag: '--token-file',
        message: 'has no effect without --enable-commands; add it or drop --token-file',
      });
    return;
  }
  if (!s.tokenFile) {
    issues.push({
      flag: '--token-file',
      message: '--enable-commands needs a token: mount a Secret and pass its file with --token-file',
    });
  }
  if (s.allowCommands.length === 0) {
    issues.push({
      flag: '--allow-command',
      message: '--enable-commands needs the programs commands may run, like --allow-command kubectl,helm',
    });
  }
  for (const program of s.allowCommands.filter((p) => SHELLS.has(p.split('/').pop() ?? p))) {
    issues.push({
      flag: '--allow-command',
      message: `${program} runs any other program, which would void the allow-list; allow the programs themselves (commands with | && ; run under sh by the load tester)`,
    });
  }
}

/** Renders flag issues one per line: `--flag: message`. */
export function formatFlagIssues(issues: readonly FlagIssue[]): string {
  return issues.map((i) => `${i.flag}: ${i.message}`).join('\n');
}
