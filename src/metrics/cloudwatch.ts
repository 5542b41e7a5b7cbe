/**
 * Amazon CloudWatch `GetMetricData` through AWS SDK v3, as Flagger runs it: the template's query is a
 * JSON array of MetricDataQuery, the window is the last 10 × interval, at most 20 datapoints, 3
 * retries, and the value is the first value of the first result (the newest, as CloudWatch scans
 * newest first). `region` is required; `address`, when set, overrides the endpoint (a VPC endpoint,
 * or a local server in tests). Credentials: the Secret's `aws_access_key_id` /
 * `aws_secret_access_key` (/ `aws_session_token`) when a secretRef is set — Serin's addition —
 * otherwise the SDK's default chain (environment, IRSA web identity, instance role), as Flagger.
 */
import type {
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { MetricValue } from '../engine/index.js';
import { describeNetworkError, originOf, parseAddress } from './http.js';
import {
  requiredKey,
  type MetricsProvider,
  type ProviderBuild,
  type ProviderContext,
  type ProviderInput,
} from './provider.js';
import { failure, intervalSeconds, isRecord, noData, valueOf } from './values.js';

const WINDOW_INTERVALS = 10;
const MAX_DATAPOINTS = 20;
const MAX_ATTEMPTS = 4; // Flagger: 3 retries

interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

interface CloudWatchSettings {
  readonly region: string;
  readonly endpoint?: URL | undefined;
  readonly credentials?: AwsCredentials | undefined;
  readonly startDeltaSeconds: number;
}

/** CloudWatch as a {@link MetricsProvider}. */
export class CloudWatchProvider implements MetricsProvider {
  constructor(
    private readonly settings: CloudWatchSettings,
    private readonly context: ProviderContext,
  ) {}

  /** Runs the MetricDataQuery array over the last 10 × interval. */
  async query(query: string, signal?: AbortSignal): Promise<MetricValue> {
    const queries = parseQueries(query);
    if (typeof queries === 'string') return failure(queries);
    const now = this.context.now();
    const input = {
      StartTime: new Date(now - this.settings.startDeltaSeconds * 1000),
      EndTime: new Date(now),
      MaxDatapoints: MAX_DATAPOINTS,
      MetricDataQueries: queries,
    };
    const answer = await this.getMetricData(input, signal);
    if (answer.kind === 'failed') return failure(answer.message);
    const first = answer.output.MetricDataResults?.[0];
    if (first === undefined) return noData('the response has no MetricDataResults');
    const value = first.Values?.[0];
    if (value === undefined) return noData(`MetricDataResults[0] (${first.Id ?? 'no id'}) has no values`);
    return valueOf(value);
  }

  /**
   * Calls GetMetricData with no queries (Flagger's check): CloudWatch refuses it with 400 when the
   * credentials and permissions are fine; any other answer (403, unreachable, no credentials) means not available.
   */
  async isOnline(signal?: AbortSignal): Promise<MetricValue> {
    const input = { StartTime: new Date(0), EndTime: new Date(0), MetricDataQueries: [] };
    const answer = await this.getMetricData(input, signal);
    if (answer.kind === 'ok' || answer.status === 400) return valueOf(1);
    return failure(answer.message);
  }

  private async getMetricData(
    input: GetMetricDataCommandInput,
    signal: AbortSignal | undefined,
  ): Promise<
    | { kind: 'ok'; output: GetMetricDataCommandOutput }
    | { kind: 'failed'; status?: number | undefined; message: string }
  > {
    // Loaded on first use: the SDK costs ~100 ms of start-up that users of other providers need not pay.
    const { CloudWatchClient, GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
    const client = new CloudWatchClient({
      region: this.settings.region,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: { requestTimeout: this.context.timeoutMs, connectionTimeout: this.context.timeoutMs },
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint.href } : {}),
      ...(this.settings.credentials ? { credentials: this.settings.credentials } : {}),
    });
    try {
      const output = await client.send(new GetMetricDataCommand(input), signal ? { abortSignal: signal } : {});
      return { kind: 'ok', output };
    } catch (err) {
      return { kind: 'failed', status: statusOf(err), message: this.describe(err, signal) };
    } finally {
      client.destroy();
    }
  }

  private describe(err: unknown, signal: AbortSignal | undefined): string {
    const where = this.settings.endpoint
      ? `CloudWatch at ${originOf(this.settings.endpoint)}`
      : `CloudWatch in ${this.settings.region}`;
    if (signal?.aborted) return 'CloudWatch query cancelled';
    const name = err instanceof Error ? err.name : '';
    // SDK messages can run over several lines (hints about hidden fields); events get the first.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    const status = statusOf(err);
    if (/Deserialization error/.test(err instanceof Error ? err.message : '')) {
      return `${where} answered ${status ?? '?'} with a body that is not CloudWatch JSON: ${message}`;
    }
    if (name === 'CredentialsProviderError') {
      return `${where}: no AWS credentials (${message}); set aws_access_key_id and aws_secret_access_key in the template's secret, or give the operator an IAM role`;
    }
    if (name === 'TimeoutError') return `${where} did not answer within ${this.context.timeoutMs / 1000}s`;
    if (status !== undefined) return `${where} answered ${status}: ${name}: ${message}`;
    const url = this.settings.endpoint ?? new URL(`https://monitoring.${this.settings.region}.amazonaws.com`);
    return `${where} ${describeNetworkError(err, url)}`;
  }
}

/** Builds a CloudWatch provider; `region` and a parsable interval are required. */
export function createCloudWatchProvider(input: ProviderInput, context: ProviderContext): ProviderBuild {
  const region = input.spec.region?.trim() ?? '';
  if (region === '')
    return { ok: false, message: 'region not specified (spec.provider.region is required for cloudwatch)' };
  let endpoint: URL | undefined;
  if (input.spec.address) {
    const parsed = parseAddress(input.spec.type, input.spec.address);
    if (typeof parsed === 'string') return { ok: false, message: parsed };
    endpoint = parsed;
  }
  const seconds = intervalSeconds(input.interval);
  if (typeof seconds === 'string') return { ok: false, message: seconds };
  let credentials: AwsCredentials | undefined;
  if (input.credentials !== undefined) {
    const accessKeyId = requiredKey('cloudwatch', input.credentials, 'aws_access_key_id');
    if (typeof accessKeyId !== 'string') return { ok: false, message: accessKeyId.error };
    const secretAccessKey = requiredKey('cloudwatch', input.credentials, 'aws_secret_access_key');
    if (typeof secretAccessKey !== 'string') return { ok: false, message: secretAccessKey.error };
    const sessionToken = input.credentials.aws_session_token;
    credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  const settings = { region, endpoint, credentials, startDeltaSeconds: WINDOW_INTERVALS * seconds };
  return { ok: true, provider: new CloudWatchProvider(settings, context) };
}

function parseQueries(query: string): MetricDataQuery[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(query);
  } catch (err) {
    return `error unmarshaling query: ${err instanceof Error ? err.message : String(err)} (the query must be a JSON array of MetricDataQuery)`;
  }
  if (!Array.isArray(parsed) || !parsed.every(isRecord)) {
    return 'error unmarshaling query: the query must be a JSON array of MetricDataQuery objects';
  }
  // The SDK serialises only the members it knows, so unknown keys cannot reach the API.
  return parsed as unknown as MetricDataQuery[];
}

function statusOf(err: unknown): number | undefined {
  const metadata = (err as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
