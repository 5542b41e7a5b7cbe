/**
 * What a migration reports per field: the kubectl path, the value before and after, and why. Shared
 * by the migration rules, the text report and the tests.
 */

/** One field the migration changed, dropped, or that keeps its value but behaves differently. */
export interface Change {
  /** kubectl-style path, e.g. `spec.service.backends` or `spec.analysis.match[0].headers.x-user`. */
  readonly field: string;
  /** The value before, quoted and cut to a sane length; absent when the field was not set. */
  readonly before?: string;
  /** The value after; absent when the field is dropped. */
  readonly after?: string;
  /** Why it changed, or how it behaves now. */
  readonly why: string;
}

/** Longest quoted value in a change (longer values end with `…`). */
export const MAX_QUOTED = 100;

/** A value as the report quotes it: strings as they are, the rest as compact JSON, cut to {@link MAX_QUOTED}. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}

/** A change that drops `field` (its value was `before`). */
export function dropped(field: string, before: unknown, why: string): Change {
  return { field, before: quote(before), why };
}

/** A change that keeps `field` at `value` but says how it behaves now. */
export function kept(field: string, value: unknown, why: string): Change {
  const shown = quote(value);
  return { field, before: shown, after: shown, why };
}
