/**
 * Go's `time.ParseDuration`, because Flagger reads `service.timeout` and `retries.perTryTimeout`
 * with it: `300ms`, `1.5s`, `1m30s`, `2h` are valid; a bare number other than `0`, or `1d`, is not.
 */

const NANOS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  '\u00b5s': 1e3, // micro sign
  '\u03bcs': 1e3, // Greek small letter mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const SEGMENT = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;

/** Nanoseconds of a Go duration string, or undefined when Go would refuse it. */
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
  while (rest !== '') {
    const m = SEGMENT.exec(rest);
    if (!m) return undefined;
    const [whole, int = '', frac = '', unit = ''] = m;
    const scale = NANOS_PER_UNIT[unit];
    if ((int === '' && frac === '') || scale === undefined) return undefined;
    total += Number(int || '0') * scale + (frac ? Number(`0.${frac}`) * scale : 0);
    rest = rest.slice(whole.length);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

/**
 * Whole milliseconds of a Go duration (Go's `Duration.Milliseconds()`, which truncates), or
 * undefined when the text is missing, unparsable or negative: App Mesh durations must be ≥ 0, so a
 * negative one is treated as unset rather than sent to be rejected.
 */
export function goDurationMillis(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const nanos = parseGoDuration(text);
  if (nanos === undefined || nanos < 0) return undefined;
  return Math.trunc(nanos / 1e6);
}
