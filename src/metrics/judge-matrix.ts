/**
 * Reading a Prometheus range-selector answer (`resultType: matrix`) into raw counter series for the
 * judge: labels and `[unix seconds, value]` samples in time order. Native histograms are refused by
 * name (the judge reads classic `_bucket` series); anything else that is not a matrix of numbers is
 * a problem quoting what came back.
 */
import type { CounterSeries } from '../judge/index.js';
import type { Result } from '../lib/result.js';
import { snippet, statusLine, type HttpOutcome } from './http.js';
import { isRecord, parseGoFloat, parseJson } from './values.js';

const fail = (message: string, fix: string): { ok: false; problem: { message: string; fix: string } } => ({
  ok: false,
  problem: { message, fix },
});

/** The series of a `/api/v1/query` answer to `query` (a range selector), or why there are none. */
export function readMatrix(
  where: string,
  query: string,
  outcome: Extract<HttpOutcome, { ok: true }>,
): Result<CounterSeries[]> {
  const json = parseJson(outcome.body);
  const shown = query.length > 300 ? `${query.slice(0, 300)}…` : query;
  if (isRecord(json) && json.status === 'error') {
    const type = typeof json.errorType === 'string' && json.errorType !== '' ? `${json.errorType}: ` : '';
    const error = `${type}${typeof json.error === 'string' ? json.error : 'unknown error'}`;
    return fail(
      `${where} answered ${statusLine(outcome.status, outcome.statusText)} to ${shown}: ${error}`,
      'make the series selector valid PromQL (a metric name and {label matchers}, nothing else)',
    );
  }
  if (outcome.status >= 400) {
    return fail(
      `${where} answered ${statusLine(outcome.status, outcome.statusText)}: ${snippet(outcome.body)}`,
      'check the Prometheus address and credentials',
    );
  }
  const data = isRecord(json) ? json.data : undefined;
  if (!isRecord(data) || data.resultType !== 'matrix' || !Array.isArray(data.result)) {
    return fail(
      `${where} did not answer ${shown} with a range vector: ${snippet(outcome.body)}`,
      'point the judge at a Prometheus-compatible API (/api/v1/query)',
    );
  }
  const series: CounterSeries[] = [];
  for (const item of data.result as unknown[]) {
    const read = readSeries(where, item);
    if (!read.ok) return read;
    series.push(read.value);
  }
  return { ok: true, value: series };
}

function readSeries(where: string, item: unknown): Result<CounterSeries> {
  const metric = isRecord(item) && isRecord(item.metric) ? item.metric : {};
  const labels = Object.fromEntries(Object.entries(metric).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
  if (isRecord(item) && item.histograms !== undefined) {
    return fail(
      `${where} returned a native histogram for ${JSON.stringify(labels)}`,
      'select the classic _bucket series (with le) of the histogram',
    );
  }
  const values: unknown = isRecord(item) ? item.values : undefined;
  if (!Array.isArray(values)) return fail(`${where} returned a series without samples`, 'query a range selector');
  const samples: [number, number][] = [];
  for (const pair of values as unknown[]) {
    const time: unknown = Array.isArray(pair) ? pair[0] : undefined;
    const text: unknown = Array.isArray(pair) ? pair[1] : undefined;
    const value = typeof text === 'string' ? parseGoFloat(text) : undefined;
    if (typeof time !== 'number' || value === undefined) {
      return fail(
        `${where} returned a sample that is not [time, "number"]: ${snippet(JSON.stringify(pair) ?? '')}`,
        'query Prometheus’ own API',
      );
    }
    samples.push([time, value]);
  }
  samples.sort((a, b) => a[0] - b[0]);
  return { ok: true, value: { labels, samples } };
}
