/**
 * Outbound HTTP(S) on `node:http`: the operator's metric queries, webhooks and alerts.
 *
 * Not `fetch`: Node's fetch brings its own copy of undici (800 KB of source) and a WebAssembly HTTP
 * parser, where `node:http` is loaded anyway to talk to the API server. A process making 2,000
 * small requests grew by 56 MiB through fetch and by 28 MiB through `node:http`; the operator at 1,000
 * canaries holds 4–7 MiB less (docs/performance.md). What fetch did that callers rely on is kept: redirects
 * followed as the Fetch standard does (or left to the caller), compressed answers decoded, one
 * keep-alive pool per kind of connection.
 */
import { Agent as HttpAgent, request as httpSend, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsSend } from 'node:https';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { readBodyBytes } from './read-body.js';

export interface HttpRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  readonly signal?: AbortSignal;
  /** Accept any TLS certificate (`insecureSkipVerify: true`). */
  readonly insecureSkipVerify?: boolean;
  /** An HTTP proxy (`http://host:port`) for this request: CONNECT for https targets, absolute-form for http. */
  readonly proxy?: string;
  /** `follow` (the default): up to 20 redirects, as `fetch`; `manual`: a 3xx is the answer. */
  readonly redirect?: 'follow' | 'manual';
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

/** How callers send requests; {@link httpRequest} is the real one, tests of callers may pass their own. */
export type HttpClient = (url: URL, request: HttpRequest) => Promise<HttpResponse>;

/** Answers longer than this are refused: no metric, webhook or chat service answers with more. */
export const MAX_RESPONSE_BYTES = 64 * 2 ** 20;
const MAX_REDIRECTS = 20;

/**
 * Sends one request and reads the whole answer as UTF-8 text. Rejects with Node's own error (its
 * `code`, e.g. ECONNREFUSED or a TLS code) when no answer came, or the signal's reason when aborted.
 */
export const httpRequest: HttpClient = async (url, request) => {
  let target = url;
  let { method = 'GET', body, headers = {} } = request;
  for (let hop = 0; ; hop++) {
    const res = await send(target, { ...request, method, body, headers });
    const location = res.headers.location;
    if (request.redirect === 'manual' || !isRedirect(res.statusCode) || location === undefined) {
      return { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: await readText(res, request) };
    }
    res.resume();
    if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, target);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`redirected to ${next.protocol} URL`);
    // The Fetch standard: 303 (and 301/302 after a POST) continue as a GET without the body.
    const status = res.statusCode ?? 0;
    if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = without(headers, (name) => name.startsWith('content-'));
    }
    // Credentials stay with the origin they were meant for.
    if (next.origin !== target.origin) headers = without(headers, (name) => name === 'authorization');
    target = next;
  }
};

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function without(headers: Readonly<Record<string, string>>, drop: (lowerName: string) => boolean) {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name.toLowerCase())));
}

function send(url: URL, request: HttpRequest): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsSend : httpSend)(url, {
      method: request.method ?? 'GET',
      headers,
      ...agentFor(secure, request),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    req.once('response', resolve);
    req.once('error', (err) => reject(failure(err, request)));
    req.end(request.body);
  });
}

type Decoder = (data: Buffer, options: { readonly maxOutputLength: number }) => Promise<Buffer>;
const decoders: Readonly<Record<string, Decoder>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

async function readText(res: IncomingMessage, request: HttpRequest): Promise<string> {
  const raw = await readBodyBytes(res, MAX_RESPONSE_BYTES, 'destroy').catch((err: unknown) => {
    throw failure(err, request);
  });
  if (raw === undefined) throw tooLong();
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decode = decoders[encoding];
  if (!decode) return raw.toString('utf8');
  const data = await decode(raw, { maxOutputLength: MAX_RESPONSE_BYTES }).catch((err: unknown) => {
    throw (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? tooLong() : err;
  });
  return data.toString('utf8');
}

/** The signal's reason when it was aborted (a TimeoutError, or the caller's), else the error itself. */
function failure(err: unknown, request: HttpRequest): Error {
  const why: unknown = request.signal?.aborted ? request.signal.reason : err;
  return why instanceof Error ? why : new Error(String(why));
}

function tooLong(): Error {
  return Object.assign(new Error(`the answer is longer than ${MAX_RESPONSE_BYTES / 2 ** 20} MiB`), {
    code: 'ERR_RESPONSE_TOO_LONG',
  });
}

// One keep-alive pool per kind of connection: Node's global agents (read when a request is made:
// `http.globalAgent` may be replaced), one that skips certificate checks, one per proxy.
let insecureAgent: HttpsAgent | undefined;
const proxyAgents = new Map<string, HttpAgent>();

function agentFor(secure: boolean, request: HttpRequest): { agent?: HttpAgent } {
  if (request.proxy) {
    const key = `${secure ? 'https' : 'http'} ${request.insecureSkipVerify ? 'insecure' : ''} ${request.proxy}`;
    let agent = proxyAgents.get(key);
    if (!agent) {
      const options = { keepAlive: true, proxyEnv: { HTTP_PROXY: request.proxy, HTTPS_PROXY: request.proxy } };
      agent = secure
        ? new HttpsAgent({ ...options, ...(request.insecureSkipVerify ? { rejectUnauthorized: false } : {}) })
        : new HttpAgent(options);
      proxyAgents.set(key, agent);
    }
    return { agent };
  }
  if (!secure || !request.insecureSkipVerify) return {};
  return { agent: (insecureAgent ??= new HttpsAgent({ keepAlive: true, rejectUnauthorized: false })) };
}
