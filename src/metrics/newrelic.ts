/**
 * New Relic NRQL queries through the Insights query API, as Flagger runs them:
 * `GET {address}/v1/accounts/{newrelic_account_id}/query?nrql=<query> SINCE <interval seconds> seconds ago`
 * with the query key in `X-Query-Key`. The answer is `{"results":[{…}]}`; Flagger reads the
 * `result` field of the only row (what an arithmetic NRQL expression yields).
 */
import type { MetricValue } from '../engine/index.js';
import { joinPath, originOf, parseAddress, send, snippet, statusLine } from './http.js';
import {
  requiredKey,
  type MetricsProvider,
  type ProviderBuild,
  type ProviderContext,
  type ProviderInput,
} from './provider.js';
import { failure, intervalSeconds, isRecord, noData, parseJson, valueOf } from './values.js';

/** The Insights API when the template names no address. */
export const NEWRELIC_DEFAULT_ADDRESS = 'https://insights-api.newrelic.com';

/** Query Flagger uses to tell whether the key and account work. */
const ONLINE_QUERY = 'SELECT * FROM Metric';

interface NewRelicSettings {
  readonly endpoint: URL;
  readonly queryKey: string;
  readonly sinceSeconds: number;
}

/** New Relic as a {@link MetricsProvider}. */
export class NewRelicProvider implements MetricsProvider {
  constructor(
    private readonly settings: NewRelicSettings,
    private readonly context: ProviderContext,
  ) {}

  /** Runs NRQL with ` SINCE <interval> seconds ago` appended. */
  async query(query: string, signal?: AbortSignal): Promise<MetricValue> {
    const outcome = await this.run(query, signal);
    if (!outcome.ok) return failure(outcome.message);
    const where = `New Relic at ${originOf(this.settings.endpoint)}`;
    if (outcome.status !== 200) {
      return failure(`${where} answered ${statusLine(outcome.status, outcome.statusText)}: ${nrError(outcome.body)}`);
    }
    return readResults(where, outcome.body);
  }

  /** Runs `SELECT * FROM Metric`; any answer but 200 means not available. */
  async isOnline(signal?: AbortSignal): Promise<MetricValue> {
    const outcome = await this.run(ONLINE_QUERY, signal);
    if (!outcome.ok) return failure(outcome.message);
    if (outcome.status !== 200) {
      return failure(`error response: ${statusLine(outcome.status, outcome.statusText)}: ${nrError(outcome.body)}`);
    }
    return valueOf(1);
  }

  private run(query: string, signal: AbortSignal | undefined) {
    const url = new URL(this.settings.endpoint.href);
    url.search = new URLSearchParams({ nrql: `${query} SINCE ${this.settings.sinceSeconds} seconds ago` }).toString();
    return send(
      this.context,
      { service: 'New Relic', url, headers: { 'X-Query-Key': this.settings.queryKey } },
      signal,
    );
  }
}

/** Builds a New Relic provider; the account id, the query key and a parsable interval are required. */
export function createNewRelicProvider(input: ProviderInput, context: ProviderContext): ProviderBuild {
  const address = parseAddress(input.spec.type, input.spec.address || NEWRELIC_DEFAULT_ADDRESS);
  if (typeof address === 'string') return { ok: false, message: address };
  const account = requiredKey('newrelic', input.credentials, 'newrelic_account_id');
  if (typeof account !== 'string') return { ok: false, message: account.error };
  const queryKey = requiredKey('newrelic', input.credentials, 'newrelic_query_key');
  if (typeof queryKey !== 'string') return { ok: false, message: queryKey.error };
  const sinceSeconds = intervalSeconds(input.interval);
  if (typeof sinceSeconds === 'string') return { ok: false, message: sinceSeconds };
  const endpoint = joinPath(address, `v1/accounts/${encodeURIComponent(account.trim())}/query`);
  return { ok: true, provider: new NewRelicProvider({ endpoint, queryKey, sinceSeconds }, context) };
}

function readResults(where: string, body: string): MetricValue {
  const json = parseJson(body);
  if (!isRecord(json)) return failure(`${where} answered with a body that is not JSON: ${snippet(body)}`);
  const results = json.results;
  if (!Array.isArray(results) || results.length !== 1) {
    return noData(`expected exactly one result row, got ${Array.isArray(results) ? results.length : 'none'}`);
  }
  const row: unknown = results[0];
  if (!isRecord(row)) return failure(`${where} answered a result row that is not an object: ${snippet(body)}`);
  // Flagger reads `result`; a row with one other field (`count`, `average`, an alias) is read too.
  const fields = Object.entries(row);
  const value: unknown = 'result' in row ? row.result : fields.length === 1 ? fields[0]?.[1] : undefined;
  if (value === null || value === undefined) return noData(`the result row has no value: ${snippet(body)}`);
  if (typeof value !== 'number') return failure(`${where} answered a result that is not a number: ${snippet(body)}`);
  return valueOf(value);
}

function nrError(body: string): string {
  const json = parseJson(body);
  if (isRecord(json) && typeof json.error === 'string') return json.error;
  return snippet(body);
}
