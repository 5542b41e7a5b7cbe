/**
 * Freezes `value` and everything reachable from it, and returns it. A part already frozen is taken
 * as frozen all the way down (what Serin freezes, it freezes whole), so shared frozen parts are not
 * walked again.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
