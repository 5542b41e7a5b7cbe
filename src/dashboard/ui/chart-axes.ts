/**
 * How the charts' axes read. uPlot's own time axis ticks at fractions of a second (`:28.500`) and
 * adds a date line (`12/4/26 4:22pm`) to every short chart; a release is watched in seconds to hours,
 * so the live page ticks on whole seconds in local clock time and names the date only when a chart
 * crosses midnight, and a report (virtual clock) ticks at the same round steps as offsets (`+1m30s`).
 * Pure functions of their inputs (the time zone is the viewer's, through Date), tested without a browser.
 */
import { duration } from './format.js';

/** Tick steps of a time axis, in seconds: what a clock-reading person counts in, up to a day. */
export const TIME_STEPS_S: readonly number[] = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/**
 * Tick steps of a value axis: 1, 2 and 5 times a power of ten (uPlot's own list adds 2.5, whose
 * ticks need a second decimal: `99.25%`).
 */
export const VALUE_STEPS: readonly number[] = Array.from({ length: 13 }, (_, i) => 10 ** (i - 4)).flatMap((p) =>
  [1, 2, 5].map((m) => Number((m * p).toPrecision(1))),
);

/** The least room, in CSS pixels, between two time ticks: `16:22:30` with air around it. */
export const TIME_TICK_SPACE_PX = 72;

const pad = (n: number): string => String(n).padStart(2, '0');

function dayOf(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** `Dec 5`: the date line under the first tick of a day, when a chart spans midnight. */
function dateLine(d: Date): string {
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
}

/**
 * Labels of a live time axis. `ticks`, `min` and `max` are seconds since the epoch (uPlot's time
 * scale); `step` is the tick step uPlot chose from {@link TIME_STEPS_S}. `HH:MM:SS` below a minute's
 * step, `HH:MM` from there on; when the shown span crosses midnight, the first tick and the first tick
 * of each new day carry the date on a second line.
 */
export function clockTicks(ticks: readonly number[], step: number, min: number, max: number): string[] {
  const crossesMidnight = dayOf(new Date(min * 1000)) !== dayOf(new Date(max * 1000));
  let lastDay = '';
  return ticks.map((s) => {
    const d = new Date(s * 1000);
    const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const text = step < 60 ? `${clock}:${pad(d.getSeconds())}` : clock;
    if (!crossesMidnight) return text;
    const day = dayOf(d);
    const first = day !== lastDay;
    lastDay = day;
    return first ? `${text}\n${dateLine(d)}` : text;
  });
}

/** Labels of a report's time axis: offsets from the release's start, `+0s`, `+1m30s`, `+2h`. */
export function offsetTicks(ticks: readonly number[]): string[] {
  return ticks.map((s) => `+${duration(Math.round(s) * 1000)}`);
}

/** Decimals a tick step needs to be written exactly: 5 → 0, 0.2 → 1, 0.25 → 2 (at most 6). */
export function stepDecimals(step: number): number {
  for (let d = 0; d < 6; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, Math.abs(scaled))) return d;
  }
  return 6;
}

/** A number with exactly `decimals` fraction digits and grouped thousands, and its unit: `99.6%`, `1,500 ms`. */
export function withUnit(value: number, decimals: number, unit: string): string {
  const n = value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return unit === '' ? n : unit === '%' ? `${n}%` : `${n} ${unit}`;
}

/**
 * Labels of a value axis: every tick with the decimals its step needs, so a success-rate axis reads
 * `99.0% 99.2% 99.4%` (not `99 99.20 99.40`) and a latency axis `100 ms 200 ms`.
 */
export function valueTicks(ticks: readonly number[], step: number, unit: string): string[] {
  const decimals = stepDecimals(step);
  return ticks.map((v) => withUnit(v, decimals, unit));
}

/**
 * A measured value as a caption or table cell writes it: up to two decimals (three significant digits
 * below 1), trailing zeros dropped: `99.6%`, `187.25 ms`, `0.0123`.
 */
export function measuredText(value: number, unit: string): string {
  const magnitude = Math.abs(value);
  const options: Intl.NumberFormatOptions =
    magnitude > 0 && magnitude < 1 ? { maximumSignificantDigits: 3 } : { maximumFractionDigits: 2 };
  const n = value.toLocaleString('en-US', options);
  return unit === '' ? n : unit === '%' ? `${n}%` : `${n} ${unit}`;
}

/** Room for a value axis's widest label, in CSS pixels (uPlot draws 12px text; digits are ~7px). */
export function labelRoom(labels: readonly string[] | null | undefined): number {
  const longest = Math.max(3, ...(labels ?? []).map((l) => l.length));
  return Math.ceil(longest * 7.2) + 22;
}
