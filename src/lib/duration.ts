/**
 * Durations in Go's `time.ParseDuration` grammar (`500ms`, `1m30s`, `1.5h`): the one reading of every
 * duration Serin takes in — Canary fields, webhook timeouts, CLI flags, scenario files — because
 * Flagger reads its fields with Go and users copy values between the two. Pure, so the engine may
 * import it.
 */

/** Milliseconds per unit Go accepts; there is no `d`. */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A decimal as Go reads it: `1`, `1.5`, `1.` or `.5`, never a bare `.`. */
const DECIMAL = String.raw`(?:\d+\.?\d*|\.\d+)`;
/** Longest units first, so `ms` is not read as `m` then `s`. */
const UNIT = Object.keys(UNIT_MS)
  .sort((a, b) => b.length - a.length)
  .join('|');
const PART = new RegExp(`^(${DECIMAL})(${UNIT})`);

/** Go's limit: an int64 of nanoseconds, about ±2562047h (292 years), in ms. */
const MAX_MS = (2 ** 63 - 1) / 1e6;

/**
 * JSON-schema `pattern` of the durations {@link nonNegativeDurationMs} accepts: the same grammar
 * without a minus sign. Use it with the `u` flag (Ajv's default), for `µ` and `μ`.
 */
export const NON_NEGATIVE_DURATION_PATTERN = `^\\+?(?:0|(?:${DECIMAL}(?:${UNIT}))+)$`;

/**
 * Go's `time.ParseDuration`, in milliseconds (fractions below 1 ms kept): an optional sign, then `0`
 * or one or more `<decimal><unit>` with units ns, us/µs, ms, s, m, h (`1m30s`, `1.5h`, `-2s`; no `d`,
 * no bare number other than 0). Undefined for anything Go rejects, including values beyond ±292 years.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest.length > 0) {
    const match = PART.exec(rest);
    const unit = match?.[2];
    if (!match || unit === undefined) return undefined;
    total += Number(match[1]) * (UNIT_MS[unit] ?? Number.NaN);
    rest = rest.slice(match[0].length);
  }
  if (!Number.isFinite(total) || total > MAX_MS) return undefined;
  return total === 0 ? 0 : sign * total; // Go has no -0
}

/**
 * A Go duration written without a minus sign, in ms (time limits, offsets); undefined when unparsable
 * or negative. `-0s` counts as negative, so {@link NON_NEGATIVE_DURATION_PATTERN} can say the same.
 */
export function nonNegativeDurationMs(text: string): number | undefined {
  return text.startsWith('-') ? undefined : parseGoDuration(text);
}

/** A Go duration that is > 0, in ms (timeouts, intervals); undefined when unparsable, zero or negative. */
export function positiveDurationMs(text: string): number | undefined {
  const ms = parseGoDuration(text);
  return ms !== undefined && ms > 0 ? ms : undefined;
}
