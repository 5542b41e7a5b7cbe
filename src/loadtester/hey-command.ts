/**
 * Reads the arguments of a `hey` command (`hey -z 1m -q 10 -c 2 -H … -m POST -d … http://…`) into a
 * load plan for the built-in generator, with hey's defaults (200 requests, 50 workers, 20 s request
 * timeout, Content-Type text/html) and hey's own rules (-n not below -c; with -z, -n is ignored).
 * Options that would read files, go through a proxy or change the protocol are refused, naming the
 * option and what to do instead. Flags follow Go's flag package: `-c 2`, `-c=2`, `--c 2`.
 */
import { parseGoDuration } from '../lib/duration.js';
import type { LoadPlan } from './load-generator.js';

/** Most workers one `hey` command may ask for. */
export const MAX_CONCURRENCY = 1000;

/** A plan whose URL is still text (the target policy checks it next). */
export type HeyPlan = Omit<LoadPlan, 'url'> & { readonly url: string };

/** The plan, or what is wrong with the command. */
export type HeyParse = { readonly ok: true; readonly plan: HeyPlan } | { readonly ok: false; readonly reason: string };

const VALUE_FLAGS = new Set('n c q z o m H t A d D T a x host cpus'.split(' '));
const BOOLEAN_FLAGS = new Set(['h2', 'disable-compression', 'disable-keepalive', 'disable-redirects']);
const REFUSED: Readonly<Record<string, string>> = {
  D: 'reads a file on the load tester; put the body in -d',
  x: 'sends through a proxy, around the allowed targets; send to the service directly',
  o: 'writes CSV; the load tester logs a summary and serves /metrics instead',
  h2: 'asks for HTTP/2, which the built-in generator does not speak; drop -h2',
};
const HEADER = /^([\w-]+):\s*(.+)$/;

interface HeyFlags {
  readonly values: Map<string, string[]>;
  readonly switches: Set<string>;
  readonly url: string;
}

/** Reads `hey`'s arguments (the words after `hey`). */
export function parseHey(args: readonly string[]): HeyParse {
  const flags = readFlags(args);
  if (typeof flags === 'string') return { ok: false, reason: flags };
  const refused = [...flags.values.keys(), ...flags.switches].find((f) => REFUSED[f]);
  if (refused) return { ok: false, reason: `hey -${refused} ${REFUSED[refused]}` };
  try {
    return { ok: true, plan: toPlan(flags) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

function readFlags(args: readonly string[]): HeyFlags | string {
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i += 1;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const [name = '', inline] = splitOnce(arg.replace(/^--?/, ''), '=');
    if (BOOLEAN_FLAGS.has(name)) {
      if (inline === undefined || inline === 'true') switches.add(name);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) return `hey has no option -${name}; see hey's options in docs/loadtester.md`;
    const value = inline ?? args[++i];
    if (value === undefined) return `hey -${name} needs a value`;
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const rest = args.slice(i);
  if (rest.length === 0) return 'hey needs the URL to send to, after the options: hey -z 1m -c 2 http://svc.ns:8080/';
  if (rest.length > 1) {
    return `hey takes one URL after the options, got ${rest.length} words (${JSON.stringify(rest[1])} after the URL); put options before the URL`;
  }
  return { values, switches, url: rest[0]! };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function toPlan(flags: HeyFlags): HeyPlan {
  const last = (name: string) => flags.values.get(name)?.at(-1);
  const concurrency = integer('c', last('c') ?? '50', 1);
  if (concurrency > MAX_CONCURRENCY) {
    throw new Error(`hey -c ${concurrency} is over the load tester's limit of ${MAX_CONCURRENCY} workers; lower -c`);
  }
  const z = last('z');
  const durationMs = z === undefined ? undefined : parseGoDuration(z);
  if (z !== undefined && !(durationMs !== undefined && durationMs > 0)) {
    throw new Error(`hey -z ${JSON.stringify(z)} is not a duration like 30s, 1m or 1m30s`);
  }
  const requests = integer('n', last('n') ?? '200', 1);
  if (durationMs === undefined && requests < concurrency) {
    throw new Error(`hey -n ${requests} cannot be less than -c ${concurrency}; raise -n or lower -c`);
  }
  const rate = Number(last('q') ?? '0');
  if (!(Number.isFinite(rate) && rate >= 0))
    throw new Error(`hey -q ${JSON.stringify(last('q'))} must be a number ≥ 0`);
  integer('cpus', last('cpus') ?? '1', 1);
  return {
    url: flags.url,
    method: (last('m') ?? 'GET').toUpperCase(),
    headers: headers(flags),
    body: last('d'),
    concurrency,
    requests,
    durationMs,
    ratePerWorker: rate,
    requestTimeoutMs: integer('t', last('t') ?? '20', 0) * 1000,
    keepAlive: !flags.switches.has('disable-keepalive'),
  };
}

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new Error(`hey -${flag} ${JSON.stringify(text)} must be a whole number ≥ ${min}`);
  }
  return n;
}

function headers(flags: HeyFlags): Record<string, string> {
  const last = (name: string) => flags.values.get(name)?.at(-1);
  if (/^[A-Za-z]+$/.test(last('m') ?? 'GET') === false) {
    throw new Error(`hey -m ${JSON.stringify(last('m'))} is not an HTTP method like GET or POST`);
  }
  const out: Record<string, string> = { 'content-type': last('T') ?? 'text/html', 'user-agent': 'serin-loadtester' };
  for (const text of flags.values.get('H') ?? []) {
    const match = HEADER.exec(text);
    if (!match) throw new Error(`hey -H ${JSON.stringify(text)} is not a header like "Name: value"`);
    out[match[1]!.toLowerCase()] = match[2]!;
  }
  if (last('A') !== undefined) out.accept = last('A')!;
  if (last('host') !== undefined) out.host = last('host')!;
  if (last('a') !== undefined) {
    const auth = last('a')!;
    if (!auth.includes(':')) throw new Error('hey -a must be username:password');
    out.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  }
  return out;
}
