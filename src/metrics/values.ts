/** Small helpers every provider uses to turn what a backend said into a `MetricValue`. */
import type { MetricValue } from '../engine/index.js';
import { positiveDurationMs } from '../lib/duration.js';

/** Flagger's "no data" sentinel text (`ErrNoValuesFound`). */
export const NO_VALUES = 'no values found';

/** A measured number. */
export function valueOf(value: number): MetricValue {
  return { kind: 'value', value };
}

/** The query ran and matched nothing; `why` is added after Flagger's words. */
export function noData(why?: string): MetricValue {
  return why === undefined ? { kind: 'no-data' } : { kind: 'no-data', detail: `${NO_VALUES}: ${why}` };
}

/** The query could not be answered. */
export function failure(message: string): MetricValue {
  return { kind: 'error', message };
}

/**
 * Go's `strconv.ParseFloat` for the texts backends send: decimals, exponents, and the special values
 * `NaN`, `Inf`, `+Inf`, `-Inf`, `Infinity` in any case (`Number('+Inf')` would be NaN). Undefined
 * when it is not a number at all.
 */
export function parseGoFloat(text: string): number | undefined {
  const t = text.trim();
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) {
    if (special[2]?.toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/** Seconds of a metric interval (Go duration), or the sentence explaining why it is not one. */
export function intervalSeconds(interval: string): number | string {
  const ms = positiveDurationMs(interval);
  if (ms === undefined) {
    return `error parsing metric interval: ${JSON.stringify(interval)} is not a positive Go duration like 30s, 1m or 1h`;
  }
  // Go: int64(d.Seconds()), i.e. whole seconds toward zero.
  return Math.trunc(ms / 1000);
}

/** Parses a JSON body, or undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
