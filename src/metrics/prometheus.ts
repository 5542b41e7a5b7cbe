/**
 * Prometheus instant queries (`/api/v1/query`, Flagger §7.4.1), for builtin metrics, inline
 * `query` metrics and `prometheus` MetricTemplates. Each way a query can go wrong has its own
 * outcome: unreachable, HTTP error (with Prometheus' own error text), empty result (no data), NaN
 * (no data, as Flagger), ±Inf (a value the judge fails), and a result that is not one number.
 */
import type { MetricValue } from '../engine/index.js';
import {
  basicAuth,
  joinPath,
  originOf,
  parseAddress,
  send,
  snippet,
  statusLine,
  type HttpContext,
  type HttpOutcome,
} from './http.js';
import type { Credentials, MetricsProvider, ProviderBuild, ProviderInput } from './provider.js';
import { failure, isRecord, noData, parseGoFloat, parseJson, valueOf } from './values.js';

/** Query Flagger uses to tell whether Prometheus answers. */
export const PROMETHEUS_ONLINE_QUERY = 'vector(1)';

// Past this many characters of form data the query goes as a POST form, which proxies do not truncate.
const MAX_GET_QUERY_CHARS = 4096;

/** How to reach one Prometheus. */
export interface PrometheusSettings {
  /** Base URL; `/api/v1/query` is appended to its path. */
  readonly address: URL;
  /** Extra headers (MetricTemplate `headers`); several values of one header are joined with `, `. */
  readonly headers?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Bearer token or basic-auth credentials. */
  readonly auth?: { readonly token: string } | { readonly username: string; readonly password: string } | undefined;
  /** Skip TLS certificate verification. Default false. */
  readonly insecureSkipVerify?: boolean | undefined;
}

/** A Prometheus server as a {@link MetricsProvider}. */
export class PrometheusProvider implements MetricsProvider {
  constructor(
    private readonly settings: PrometheusSettings,
    private readonly context: HttpContext,
  ) {}

  /** Runs an instant query; whitespace runs are collapsed to one space first, as Flagger does. */
  async query(query: string, signal?: AbortSignal): Promise<MetricValue> {
    const { where, outcome } = await this.call('api/v1/query', { query: collapseWhitespace(query) }, signal);
    if (!outcome.ok) return failure(outcome.message);
    return readQueryResponse(where, outcome.status, outcome.statusText, outcome.body);
  }

  /**
   * Sends `params` to an API path (`api/v1/query`) with the settings' headers and credentials: as a
   * GET, or as a POST form when the form is too long for a URL. `where` names the server for messages.
   */
  async call(
    path: string,
    params: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<{ readonly where: string; readonly outcome: HttpOutcome }> {
    const form = new URLSearchParams(params).toString();
    const url = joinPath(this.settings.address, path);
    const headers = this.headers();
    const asPost = form.length > MAX_GET_QUERY_CHARS;
    if (asPost) headers['content-type'] = 'application/x-www-form-urlencoded';
    else url.search = form;
    const outcome = await send(
      this.context,
      {
        service: 'Prometheus',
        url,
        method: asPost ? 'POST' : 'GET',
        headers,
        ...(asPost ? { body: form } : {}),
        insecureSkipVerify: this.settings.insecureSkipVerify ?? false,
      },
      signal,
    );
    return { where: `Prometheus at ${originOf(url)}`, outcome };
  }

  /** Runs `vector(1)` and expects 1 (Flagger's IsOnline). */
  async isOnline(signal?: AbortSignal): Promise<MetricValue> {
    const value = await this.query(PROMETHEUS_ONLINE_QUERY, signal);
    if (value.kind === 'error') return failure(`running query failed: ${value.message}`);
    if (value.kind === 'value' && value.value === 1) return value;
    return failure(`value is not 1 for query: ${PROMETHEUS_ONLINE_QUERY}`);
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(this.settings.headers ?? {})) headers[name] = values.join(', ');
    const auth = this.settings.auth;
    let authorization: string | undefined;
    if (auth && 'token' in auth) authorization = auth.token === '' ? undefined : `Bearer ${auth.token}`;
    else if (auth && auth.username !== '' && auth.password !== '')
      authorization = basicAuth(auth.username, auth.password);
    if (authorization !== undefined) {
      // The Secret's credentials replace an Authorization header from the template, rather than joining it.
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
      headers.authorization = authorization;
    }
    return headers;
  }
}

/** Builds a Prometheus provider from a MetricTemplate's `spec.provider` and Secret (token, or username + password). */
export function createPrometheusProvider(input: ProviderInput, context: HttpContext): ProviderBuild {
  const address = parseAddress(input.spec.type, input.spec.address);
  if (typeof address === 'string') return { ok: false, message: address };
  const auth = prometheusAuth(input.spec.type, input.credentials);
  if (typeof auth === 'string') return { ok: false, message: auth };
  const settings: PrometheusSettings = {
    address,
    headers: input.spec.headers,
    auth,
    insecureSkipVerify: input.spec.insecureSkipVerify,
  };
  return { ok: true, provider: new PrometheusProvider(settings, context) };
}

/** Flagger's rule: with a secret, `token` wins; otherwise both `username` and `password` are required. */
function prometheusAuth(type: string, credentials: Credentials | undefined): PrometheusSettings['auth'] | string {
  if (credentials === undefined) return undefined;
  const token = credentials.token;
  if (token !== undefined) return { token };
  const { username, password } = credentials;
  if (username === undefined) return `${type} credentials does not contain a username (nor a token)`;
  if (password === undefined) return `${type} credentials does not contain a password`;
  return { username, password };
}

/** Every whitespace run becomes one space; the ends are trimmed. */
export function collapseWhitespace(query: string): string {
  return query.replace(/\s+/g, ' ').trim();
}

/** Reads a `/api/v1/query` response (any status) into a MetricValue. */
export function readQueryResponse(where: string, status: number, statusText: string, body: string): MetricValue {
  const json = parseJson(body);
  const error = isRecord(json) && json.status === 'error' ? apiError(json) : undefined;
  if (status >= 400) return failure(`${where} answered ${statusLine(status, statusText)}: ${error ?? snippet(body)}`);
  if (error !== undefined) return failure(`${where} answered an error: ${error}`);
  const data = isRecord(json) ? json.data : undefined;
  if (!isRecord(data) || typeof data.resultType !== 'string') {
    return failure(`${where} answered with a body that is not a Prometheus API response: ${snippet(body)}`);
  }
  switch (data.resultType) {
    case 'vector':
      return readVector(where, data.result);
    case 'scalar':
      return readSample(where, data.result);
    case 'matrix':
      return failure(
        `${where}: the query returned a range vector (matrix), not a single number: drop the [range] selector or aggregate it`,
      );
    default:
      return failure(`${where}: the query returned a ${data.resultType}, not a number`);
  }
}

function apiError(json: Record<string, unknown>): string {
  const type = typeof json.errorType === 'string' && json.errorType !== '' ? `${json.errorType}: ` : '';
  return `${type}${typeof json.error === 'string' ? json.error : 'unknown error'}`;
}

// As Flagger, the last series of a vector wins; an empty vector is no data.
function readVector(where: string, result: unknown): MetricValue {
  if (!Array.isArray(result)) return failure(`${where} answered a vector without a result list`);
  let last: MetricValue = { kind: 'no-data' };
  for (const sample of result) {
    last = readSample(where, isRecord(sample) ? sample.value : undefined);
    if (last.kind === 'error') return last;
  }
  return last;
}

function readSample(where: string, pair: unknown): MetricValue {
  const text: unknown = Array.isArray(pair) ? pair[1] : undefined;
  const value = typeof text === 'string' ? parseGoFloat(text) : undefined;
  if (value === undefined)
    return failure(`${where} answered a sample that is not a number: ${snippet(JSON.stringify(pair) ?? '')}`);
  if (Number.isNaN(value)) return noData('the query returned NaN');
  return valueOf(value);
}
