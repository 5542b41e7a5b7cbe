/**
 * Graphite's render API, as Flagger uses it: the template's query is the render query string
 * (`target=…&from=-10min`), whitespace collapsed, sent as `GET {address}/render?…&format=json`. The
 * answer is `[{"target": …, "datapoints": [[value, timestamp], …]}, …]`; the value is the last
 * non-null datapoint over all series. Optional basic auth from the Secret (`username`, `password`).
 */
import type { MetricValue } from '../engine/index.js';
import { basicAuth, joinPath, originOf, parseAddress, send, snippet, statusLine, type HttpContext } from './http.js';
import type { MetricsProvider, ProviderBuild, ProviderInput } from './provider.js';
import { collapseWhitespace } from './prometheus.js';
import { failure, isRecord, NO_VALUES, noData, parseGoFloat, parseJson, valueOf } from './values.js';

/** Query Flagger uses to tell whether Graphite answers (no data still counts as online). */
const ONLINE_QUERY = 'target=test';

interface GraphiteSettings {
  readonly address: URL;
  readonly auth?: { readonly username: string; readonly password: string } | undefined;
  readonly insecureSkipVerify: boolean;
}

/** Graphite as a {@link MetricsProvider}. */
export class GraphiteProvider implements MetricsProvider {
  constructor(
    private readonly settings: GraphiteSettings,
    private readonly context: HttpContext,
  ) {}

  /** Runs a render query and returns the last non-null datapoint. */
  async query(query: string, signal?: AbortSignal): Promise<MetricValue> {
    const params = new URLSearchParams(collapseWhitespace(query));
    params.set('format', 'json');
    params.sort(); // Go's url.Values.Encode sorts the keys
    const url = joinPath(this.settings.address, 'render');
    url.search = params.toString();
    const auth = this.settings.auth;
    const outcome = await send(
      this.context,
      {
        service: 'Graphite',
        url,
        headers: auth ? { authorization: basicAuth(auth.username, auth.password) } : {},
        insecureSkipVerify: this.settings.insecureSkipVerify,
      },
      signal,
    );
    if (!outcome.ok) return failure(outcome.message);
    const where = `Graphite at ${originOf(url)}`;
    if (outcome.status >= 400) {
      return failure(`${where} answered ${statusLine(outcome.status, outcome.statusText)}: ${snippet(outcome.body)}`);
    }
    return lastDatapoint(where, outcome.body);
  }

  /** Renders `target=test`; an answer without data still means Graphite is there. */
  async isOnline(signal?: AbortSignal): Promise<MetricValue> {
    const value = await this.query(ONLINE_QUERY, signal);
    if (value.kind === 'error') return failure(`running query failed: ${value.message}`);
    return valueOf(1);
  }
}

/** Builds a Graphite provider; with a Secret, both `username` and `password` are required (as Flagger). */
export function createGraphiteProvider(input: ProviderInput, context: HttpContext): ProviderBuild {
  const address = parseAddress(input.spec.type, input.spec.address);
  if (typeof address === 'string') return { ok: false, message: address };
  let auth: GraphiteSettings['auth'];
  if (input.credentials !== undefined) {
    const { username, password } = input.credentials;
    if (username === undefined)
      return { ok: false, message: `${input.spec.type} credentials does not contain a username` };
    if (password === undefined)
      return { ok: false, message: `${input.spec.type} credentials does not contain a password` };
    if (username !== '' && password !== '') auth = { username, password };
  }
  const settings = { address, auth, insecureSkipVerify: input.spec.insecureSkipVerify ?? false };
  return { ok: true, provider: new GraphiteProvider(settings, context) };
}

function lastDatapoint(where: string, body: string): MetricValue {
  const json = parseJson(body);
  if (!Array.isArray(json))
    return failure(`${where} answered with a body that is not a render result: ${snippet(body)}`);
  let value: number | undefined;
  for (const series of json) {
    const points = isRecord(series) ? series.datapoints : undefined;
    if (!Array.isArray(points)) return failure(`${where} answered a series without datapoints: ${snippet(body)}`);
    for (const point of points) {
      if (!Array.isArray(point) || point.length !== 2) {
        return failure(
          `${where} answered a datapoint that is not [value, timestamp]: ${snippet(JSON.stringify(point) ?? '')}`,
        );
      }
      const raw: unknown = point[0];
      if (raw === null) continue;
      const parsed = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseGoFloat(raw) : undefined;
      if (parsed === undefined)
        return failure(
          `${where} answered a datapoint value that is not a number: ${snippet(JSON.stringify(raw) ?? '')}`,
        );
      value = parsed;
    }
  }
  if (value === undefined)
    return json.length === 0 ? noData('the query matched no series') : noData('every datapoint is null');
  return Number.isNaN(value) ? { kind: 'no-data', detail: NO_VALUES } : valueOf(value);
}
