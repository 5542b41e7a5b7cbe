/**
 * InfluxDB 2 Flux queries (`POST {address}/api/v2/query?org=<org>`), the request Flagger's Go client
 * sends: a JSON body `{query, type: "flux", dialect}` asking for annotated CSV, and
 * `Authorization: Token <token>`. The value is the first record's `_value`. With a Secret, `token`
 * and `org` are both required (as Flagger).
 */
import type { MetricValue } from '../engine/index.js';
import { joinPath, originOf, parseAddress, send, snippet, statusLine, type HttpContext } from './http.js';
import { firstFluxValue } from './influxdb-csv.js';
import type { MetricsProvider, ProviderBuild, ProviderInput } from './provider.js';
import { failure, isRecord, noData, parseGoFloat, parseJson, valueOf } from './values.js';

/**
 * Query that tells whether the API, the token and the org work. Flagger reads a bucket named
 * `default`, which fails on every installation that has none; listing buckets needs no such guess.
 */
export const INFLUXDB_ONLINE_QUERY = 'buckets() |> limit(n: 1)';

const DIALECT = { annotations: ['datatype', 'group', 'default'], delimiter: ',', header: true } as const;
const NUMERIC = new Set(['double', 'long', 'unsignedLong']);

interface InfluxDbSettings {
  readonly address: URL;
  readonly token?: string | undefined;
  readonly org: string;
  readonly insecureSkipVerify: boolean;
}

/** InfluxDB 2 as a {@link MetricsProvider}. */
export class InfluxDbProvider implements MetricsProvider {
  constructor(
    private readonly settings: InfluxDbSettings,
    private readonly context: HttpContext,
  ) {}

  /** Runs a Flux query and returns the first record's `_value`. */
  async query(query: string, signal?: AbortSignal): Promise<MetricValue> {
    const url = joinPath(this.settings.address, 'api/v2/query');
    url.search = new URLSearchParams({ org: this.settings.org }).toString();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'accept-encoding': 'gzip' };
    if (this.settings.token) headers.authorization = `Token ${this.settings.token}`;
    const outcome = await send(
      this.context,
      {
        service: 'InfluxDB',
        url,
        method: 'POST',
        headers,
        body: JSON.stringify({ query, type: 'flux', dialect: DIALECT }),
        insecureSkipVerify: this.settings.insecureSkipVerify,
      },
      signal,
    );
    if (!outcome.ok) return failure(outcome.message);
    const where = `InfluxDB at ${originOf(url)}`;
    if (outcome.status >= 400) {
      return failure(
        `${where} answered ${statusLine(outcome.status, outcome.statusText)}: ${influxError(outcome.body)}`,
      );
    }
    return readFirstValue(where, outcome.body);
  }

  /** Runs {@link INFLUXDB_ONLINE_QUERY}; an answer without records still means InfluxDB is there. */
  async isOnline(signal?: AbortSignal): Promise<MetricValue> {
    const value = await this.query(INFLUXDB_ONLINE_QUERY, signal);
    if (value.kind === 'error') return failure(`error accessing influxdb query api: ${value.message}`);
    return valueOf(1);
  }
}

/** Builds an InfluxDB provider. */
export function createInfluxDbProvider(input: ProviderInput, context: HttpContext): ProviderBuild {
  const address = parseAddress(input.spec.type, input.spec.address);
  if (typeof address === 'string') return { ok: false, message: address };
  let token: string | undefined;
  let org = '';
  if (input.credentials !== undefined) {
    token = input.credentials.token;
    if (token === undefined) {
      return { ok: false, message: `${input.spec.type} credentials does not contain an authentication token` };
    }
    const fromSecret = input.credentials.org;
    if (fromSecret === undefined)
      return { ok: false, message: `${input.spec.type} credentials does not contain an organisation` };
    org = fromSecret;
  }
  const settings = { address, token, org, insecureSkipVerify: input.spec.insecureSkipVerify ?? false };
  return { ok: true, provider: new InfluxDbProvider(settings, context) };
}

function readFirstValue(where: string, body: string): MetricValue {
  const first = firstFluxValue(body);
  // Flagger returns 0 (a value!) when no record comes back; that is no data.
  if (first.kind === 'none') return noData('the query returned no records');
  if (first.kind === 'error') return failure(`${where}: query error: ${first.message}`);
  if (first.text === '') return noData('the first record has no _value');
  // Flagger accepts only `double`; count() and friends yield `long`, which is just as much a number.
  if (first.datatype !== undefined && !NUMERIC.has(first.datatype)) {
    return failure(`${where}: the first record's _value is a ${first.datatype}, not a number`);
  }
  const value = parseGoFloat(first.text);
  if (value === undefined)
    return failure(`${where}: the first record's _value is not a number: ${snippet(first.text)}`);
  return Number.isNaN(value) ? noData('the query returned NaN') : valueOf(value);
}

function influxError(body: string): string {
  const json = parseJson(body);
  if (isRecord(json) && typeof json.message === 'string') {
    return typeof json.code === 'string' ? `${json.code}: ${json.message}` : json.message;
  }
  return snippet(body);
}
