/** Order-insensitive equality of JSON values, for "does the live object already say this?" checks. */
import { jsonEqual } from '../lib/json-equal.js';

export { jsonEqual };

/** Labels/annotations equality where an empty map equals a missing one (as Kubernetes stores them). */
export function sameStringMap(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  return jsonEqual(a ?? {}, b ?? {});
}

/** A shallow copy of `obj` without `keys`. */
export function omitKeys<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Omit<T, K> {
  const copy = { ...obj };
  for (const key of keys) delete copy[key];
  return copy;
}
