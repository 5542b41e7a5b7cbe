/**
 * How the page words numbers, times and phases. Pure functions of their inputs (the clock comes in
 * as `now`), shared by the fleet and release pages and tested without a browser.
 */

/** `20%`: the text the fleet cell and the release header show for a weight. */
export function percent(weight: number): string {
  return `${Math.round(weight)}%`;
}

const UNITS: readonly [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

/** A duration in its largest unit and the next one, `1h20m`, `45s`, `1h` (not `1h5s`); `0s` below a second. */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const first = UNITS.findIndex(([size]) => total >= size);
  if (first < 0) return '0s';
  const [size, unit] = UNITS[first]!;
  const text = `${Math.floor(total / size)}${unit}`;
  const next = UNITS[first + 1];
  const rest = next ? Math.floor((total % size) / next[0]) : 0;
  return next && rest > 0 ? `${text}${rest}${next[1]}` : text;
}

/** How long ago `t` was, `3m`, `2d4h` (the age column); `just now` under a second. */
export function age(t: number, now: number): string {
  return now - t < 1000 ? 'just now' : duration(now - t);
}

/** `+1m30s` from `base`: times in a report, whose clock is virtual. */
export function offset(t: number, base: number): string {
  return `+${duration(t - base)}`;
}

/** `14:03:27` in the viewer's time zone. */
export function clockTime(t: number): string {
  return new Date(t).toLocaleTimeString('en-GB', { hour12: false });
}

/** A Canary's phase as the page shows it: `Pending` before Serin initialized it. */
export function phaseText(phase: string): string {
  return phase === '' ? 'Pending' : phase;
}

/** The phases by what they mean to a person watching, which chooses their colour (always with text). */
const PHASE_TONES: Readonly<Record<string, 'ok' | 'bad' | 'busy' | 'idle'>> = {
  Succeeded: 'ok',
  Initialized: 'idle',
  Failed: 'bad',
  Terminated: 'idle',
  Terminating: 'busy',
  Initializing: 'busy',
  Waiting: 'busy',
  Progressing: 'busy',
  WaitingPromotion: 'busy',
  Promoting: 'busy',
  Finalising: 'busy',
};

/** The CSS class of a phase badge: `phase tone-busy`. */
export function phaseClass(phase: string): string {
  return `phase tone-${PHASE_TONES[phase] ?? 'idle'}`;
}

/** Every phase a Canary may be in, for the phase filter ('' is Pending). */
export const PHASES: readonly string[] = ['', ...Object.keys(PHASE_TONES)];

/** `1,000`, grouped the way the page's language groups. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
