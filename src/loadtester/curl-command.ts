/**
 * `curl` commands of acceptance-test hooks (`curl -X GET http://account-canary.shop:8180/…`), run
 * in-process with curl's meaning of the common options and curl's exit codes (6 not resolved,
 * 7 not connected, 22 an error status with -f, 28 timed out), so a hook written for Flagger's
 * load tester behaves the same. Options that read files, follow redirects off the allowed targets
 * or weaken TLS are refused, naming the option.
 */
import type { Dispatcher } from 'undici';
import { errorCode } from './load-generator.js';

/** What a curl command asks for; the URL is still text (the target policy checks it next). */
export interface CurlPlan {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** `-f`: an HTTP status ≥ 400 is a failure (exit code 22). */
  readonly fail: boolean;
  /** `-s` without `-S`: no error message on failure. */
  readonly quiet: boolean;
  /** `-i`: the status line and headers before the body. */
  readonly include: boolean;
  /** `-o /dev/null`: the body is not printed. */
  readonly discardBody: boolean;
  /** `-w`: printed after the body; `%{http_code}` is the status. */
  readonly writeOut?: string | undefined;
  /** `-m`: longest time for the whole request, ms; unset: the task's timeout. */
  readonly maxTimeMs?: number | undefined;
}

/** The plan, or what is wrong with the command. */
export type CurlParse =
  { readonly ok: true; readonly plan: CurlPlan } | { readonly ok: false; readonly reason: string };

/** What a curl run printed and its exit code, as the curl program would. */
export interface CurlResult {
  readonly exitCode: number;
  readonly output: string;
  /** The HTTP status, when there was an answer. */
  readonly status?: number | undefined;
}

const LONG: Readonly<Record<string, string>> = {
  '--request': 'X',
  '--header': 'H',
  '--data': 'd',
  '--data-raw': 'd',
  '--data-binary': 'd',
  '--data-ascii': 'd',
  '--silent': 's',
  '--show-error': 'S',
  '--fail': 'f',
  '--include': 'i',
  '--head': 'I',
  '--output': 'o',
  '--write-out': 'w',
  '--max-time': 'm',
  '--user-agent': 'A',
  '--user': 'u',
};
const WITH_VALUE = new Set(['X', 'H', 'd', 'o', 'w', 'm', 'A', 'u']);
const SWITCHES = new Set(['s', 'S', 'f', 'i', 'I']);
const REFUSED: Readonly<Record<string, string>> = {
  L: 'follows redirects, possibly off the allowed targets; drop -L',
  k: 'skips TLS verification; drop -k',
  x: 'sends through a proxy, around the allowed targets; send to the service directly',
  K: 'reads options from a file; write them in the command',
  T: 'uploads a file from the load tester; use -d',
  F: 'uploads form files; use -d',
};
/** Longest body printed or returned. */
const MAX_OUTPUT = 64 * 1024;

interface CurlArgs {
  readonly values: Map<string, string[]>;
  readonly switches: Set<string>;
  readonly urls: string[];
}

function readArgs(args: readonly string[]): CurlArgs | string {
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  const urls: string[] = [];
  const add = (flag: string, value: string) => values.set(flag, [...(values.get(flag) ?? []), value]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const short = LONG[arg];
      if (!short) return `curl option ${arg} is not supported in-process (supported: ${Object.keys(LONG).join(' ')})`;
      if (WITH_VALUE.has(short)) {
        const value = args[++i];
        if (value === undefined) return `curl ${arg} needs a value`;
        add(short, value);
      } else switches.add(short);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      urls.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      if (REFUSED[c]) return `curl -${c} ${REFUSED[c]}`;
      if (SWITCHES.has(c)) switches.add(c);
      else if (WITH_VALUE.has(c)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) return `curl -${c} needs a value`;
        add(c, value);
        break;
      } else return `curl option -${c} is not supported in-process (supported: -X -H -d -s -S -f -i -I -o -w -m -A -u)`;
    }
  }
  return { values, switches, urls };
}

/** Reads a curl command's arguments (the words after `curl`). */
export function parseCurl(args: readonly string[]): CurlParse {
  const read = readArgs(args);
  if (typeof read === 'string') return { ok: false, reason: read };
  const { values, switches, urls } = read;
  if (urls.length !== 1) return { ok: false, reason: `curl takes one URL in-process, got ${urls.length}` };
  const last = (f: string) => values.get(f)?.at(-1);
  const data = values.get('d');
  if (data?.some((d) => d.startsWith('@')))
    return { ok: false, reason: 'curl -d @file reads a file on the load tester; put the data in the command' };
  const output = last('o');
  if (output !== undefined && output !== '/dev/null') {
    return {
      ok: false,
      reason: `curl -o ${JSON.stringify(output)} writes a file on the load tester; only -o /dev/null is allowed`,
    };
  }
  const maxTime = last('m');
  const maxTimeMs = maxTime === undefined ? undefined : Number(maxTime) * 1000;
  if (maxTimeMs !== undefined && !(Number.isFinite(maxTimeMs) && maxTimeMs > 0)) {
    return { ok: false, reason: `curl -m ${JSON.stringify(maxTime)} must be seconds > 0, like 5 or 0.5` };
  }
  const headers: Record<string, string> = { 'user-agent': last('A') ?? 'serin-loadtester', accept: '*/*' };
  for (const text of values.get('H') ?? []) {
    const at = text.indexOf(':');
    if (at <= 0) return { ok: false, reason: `curl -H ${JSON.stringify(text)} is not a header like "Name: value"` };
    headers[text.slice(0, at).trim().toLowerCase()] = text.slice(at + 1).trim();
  }
  if (data && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded';
  const user = last('u');
  if (user !== undefined) headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
  const method = last('X') ?? (switches.has('I') ? 'HEAD' : data ? 'POST' : 'GET');
  if (!/^[A-Za-z]+$/.test(method))
    return { ok: false, reason: `curl -X ${JSON.stringify(method)} is not an HTTP method` };
  const url = urls[0]!;
  return {
    ok: true,
    plan: {
      url: url.includes('://') ? url : `http://${url}`,
      method: method.toUpperCase(),
      headers,
      body: data?.join('&'),
      fail: switches.has('f'),
      quiet: switches.has('s') && !switches.has('S'),
      include: switches.has('i') || switches.has('I'),
      discardBody: output === '/dev/null',
      writeOut: last('w'),
      maxTimeMs,
    },
  };
}

/** curl's exit code for a failure without an answer. */
function exitCodeOf(code: string): number {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 6;
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)) return 7;
  if (code.includes('TIMEOUT') || code === 'TimeoutError' || code === 'ABORT_ERR') return 28;
  return 56;
}

/** Sends the request once and renders what curl would print. */
export async function runCurl(
  plan: CurlPlan,
  url: URL,
  dispatcher: Dispatcher,
  signal: AbortSignal,
  observe?: (result: { status?: number; errorCode?: string; latencyMs: number }) => void,
): Promise<CurlResult> {
  const started = performance.now();
  const limit = plan.maxTimeMs === undefined ? signal : AbortSignal.any([signal, AbortSignal.timeout(plan.maxTimeMs)]);
  try {
    const res = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: plan.method,
      headers: plan.headers,
      ...(plan.body !== undefined ? { body: plan.body } : {}),
      signal: limit,
    });
    const body = plan.method === 'HEAD' ? '' : await readBounded(res.body);
    observe?.({ status: res.statusCode, latencyMs: performance.now() - started });
    return render(plan, res, body);
  } catch (err) {
    const code = limit.aborted && !signal.aborted ? 'TIMEOUT' : errorCode(err);
    observe?.({ errorCode: code, latencyMs: performance.now() - started });
    const exitCode = exitCodeOf(code);
    const host = `${url.hostname} port ${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
    return { exitCode, output: plan.quiet ? '' : `curl: (${exitCode}) request to ${host} failed: ${code}\n` };
  }
}

/** The body's start, up to {@link MAX_OUTPUT} bytes; the rest is not read (the connection is closed). */
async function readBounded(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_OUTPUT) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8');
}

function render(plan: CurlPlan, res: Dispatcher.ResponseData, body: string): CurlResult {
  const status = res.statusCode;
  if (plan.fail && status >= 400) {
    return {
      exitCode: 22,
      status,
      output: plan.quiet ? '' : `curl: (22) The requested URL returned error: ${status}\n`,
    };
  }
  const head = plan.include
    ? `HTTP/1.1 ${status}\r\n${Object.entries(res.headers)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : (v ?? '')}`)
        .join('\r\n')}\r\n\r\n`
    : '';
  const tail =
    plan.writeOut === undefined ? '' : plan.writeOut.replaceAll('%{http_code}', String(status)).replaceAll('\\n', '\n');
  return { exitCode: 0, status, output: `${head}${plan.discardBody ? '' : body}${tail}` };
}
