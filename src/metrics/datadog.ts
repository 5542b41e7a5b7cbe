/**
 * Datadog metrics queries through the v1 API (`GET /api/v1/query`), as Flagger runs them: the window
 * is the last 10 × interval, and the value is the first (oldest) point of the first series, because
 * the newest point is usually an incomplete bucket. Keys come from the Secret
 * (`datadog_api_key`, `datadog_application_key`); `GET /api/v1/validate` tells whether they work.
 */
import type { MetricValue } from '../engine/index.js';
import { joinPath, originOf, parseAddress, send, snippet, statusLine, type HttpCall } from './http.js';
import {
  requiredKey,
  type MetricsProvider,
  type ProviderBuild,
  type ProviderContext,
  type ProviderInput,
} from './provider.js';
import { failure, intervalSeconds, isRecord, noData, parseJson, valueOf } from './values.js';

/** Datadog's API when the template names no address. */
export const DATADOG_DEFAULT_ADDRESS = 'https://api.datadoghq.com';

const WINDOW_INTERVALS = 10;

interface DatadogSettings {
  readonly address: URL;
  readonly apiKey: string;
  readonly applicationKey: string;
  /** Seconds before now where the query window starts (10 × interval). */
  readonly fromDeltaSeconds: number;
}

/** Datadog as a {@link MetricsProvider}. */
export class DatadogProvider implements MetricsProvider {
  constructor(
    private readonly settings: DatadogSettings,
    private readonly context: ProviderContext,
  ) {}

  /** Runs a metrics query over the last 10 × interval. */
  async query(query: string, signal?: AbortSignal): Promise<MetricValue> {
    const now = Math.trunc(this.context.now() / 1000);
    const url = joinPath(this.settings.address, 'api/v1/query');
    // Go's url.Values.Encode sorts the keys; the same order keeps requests byte-identical to Flagger's.
    url.search = new URLSearchParams({
      from: String(now - this.settings.fromDeltaSeconds),
      query,
      to: String(now),
    }).toString();
    const outcome = await send(this.context, this.call(url), signal);
    if (!outcome.ok) return failure(outcome.message);
    const where = `Datadog at ${originOf(url)}`;
    if (outcome.status !== 200) {
      return failure(
        `${where} answered ${statusLine(outcome.status, outcome.statusText)}: ${datadogError(outcome.body)}`,
      );
    }
    return readSeries(where, outcome.body);
  }

  /** Calls `/api/v1/validate` with the keys; any answer but 200 means not available. */
  async isOnline(signal?: AbortSignal): Promise<MetricValue> {
    const url = joinPath(this.settings.address, 'api/v1/validate');
    const outcome = await send(this.context, this.call(url), signal);
    if (!outcome.ok) return failure(outcome.message);
    if (outcome.status !== 200) {
      return failure(
        `error response: ${statusLine(outcome.status, outcome.statusText)}: ${datadogError(outcome.body)}`,
      );
    }
    return valueOf(1);
  }

  private call(url: URL): HttpCall {
    return {
      service: 'Datadog',
      url,
      headers: { 'DD-API-KEY': this.settings.apiKey, 'DD-APPLICATION-KEY': this.settings.applicationKey },
    };
  }
}

/** Builds a Datadog provider; both keys and a parsable interval are required. */
export function createDatadogProvider(input: ProviderInput, context: ProviderContext): ProviderBuild {
  const address = parseAddress(input.spec.type, input.spec.address || DATADOG_DEFAULT_ADDRESS);
  if (typeof address === 'string') return { ok: false, message: address };
  const apiKey = requiredKey('datadog', input.credentials, 'datadog_api_key');
  if (typeof apiKey !== 'string') return { ok: false, message: apiKey.error };
  const applicationKey = requiredKey('datadog', input.credentials, 'datadog_application_key');
  if (typeof applicationKey !== 'string') return { ok: false, message: applicationKey.error };
  const seconds = intervalSeconds(input.interval);
  if (typeof seconds === 'string') return { ok: false, message: seconds };
  const settings = { address, apiKey, applicationKey, fromDeltaSeconds: WINDOW_INTERVALS * seconds };
  return { ok: true, provider: new DatadogProvider(settings, context) };
}

function readSeries(where: string, body: string): MetricValue {
  const json = parseJson(body);
  if (!isRecord(json)) return failure(`${where} answered with a body that is not JSON: ${snippet(body)}`);
  if (json.status === 'error') return failure(`${where} answered an error: ${datadogError(body)}`);
  const series = json.series;
  if (!Array.isArray(series) || series.length === 0) return noData('the query returned no series');
  const first: unknown = series[0];
  const points = isRecord(first) ? first.pointlist : undefined;
  if (!Array.isArray(points) || points.length === 0) return noData('the first series has no points');
  const point: unknown = points[0];
  const value: unknown = Array.isArray(point) ? point[1] : undefined;
  // Datadog sends null for an empty bucket; Flagger would read it as 0, which can pass a check.
  if (value === null) return noData('the first point of the first series is null');
  if (typeof value !== 'number')
    return failure(`${where} answered a point that is not [timestamp, value]: ${snippet(body)}`);
  return valueOf(value);
}

function datadogError(body: string): string {
  const json = parseJson(body);
  if (isRecord(json)) {
    if (typeof json.error === 'string') return json.error;
    if (Array.isArray(json.errors)) return json.errors.map(String).join('; ');
  }
  return snippet(body);
}
