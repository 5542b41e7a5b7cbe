/**
 * Go formatting and parsing rules that leak into Flagger's observable texts (spec §13): `%v` and
 * `%.2f` of float64, `time.Duration.String`, and `time.ParseDuration`. Messages must match Flagger's
 * byte for byte, so these follow Go's rules rather than JavaScript's.
 */

// The duration grammar lives in lib/ (the adapters and the CLI read durations too); re-exported so
// the engine's public surface keeps it.
export { parseGoDuration } from '../lib/duration.js';

/**
 * Go's `%v` of a float64: shortest round-trip digits, exponent form when the decimal exponent is
 * below −4 or at least 6 (`1e+06`, `1.5e-05`), `NaN`, `+Inf`, `-Inf`.
 */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, as Go does.
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0] ?? ''}${fraction}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

/**
 * Go's `%.2f`. JavaScript's `toFixed` rounds exact ties away from zero where Go rounds them to even;
 * a tie at the third decimal is only possible when `8 × value` is an odd integer (e.g. 0.125).
 */
export function goFixed2(value: number): string {
  if (!Number.isFinite(value)) return goFloat(value);
  const eighths = value * 8;
  if (Number.isInteger(eighths) && Math.abs(eighths) % 2 === 1) {
    const scaled = value * 100; // exact: value is a multiple of 1/8
    const lower = Math.floor(scaled);
    const even = lower % 2 === 0 ? lower : lower + 1;
    return formatHundredths(even);
  }
  return value.toFixed(2);
}

function formatHundredths(hundredths: number): string {
  const sign = hundredths < 0 ? '-' : '';
  const digits = String(Math.abs(hundredths)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Go's `time.Duration.String` for a whole number of milliseconds: `0s`, `500ms`, `1.2s`, `2m0s`, `1h0m0s`. */
export function goDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs}ms`;
  const totalSeconds = Math.floor(abs / 1000);
  const millis = abs % 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const fraction = millis ? `.${String(millis).padStart(3, '0').replace(/0+$/, '')}` : '';
  const secondsText = `${seconds}${fraction}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${sign}${minutes}m${secondsText}`;
  return `${sign}${secondsText}`;
}
