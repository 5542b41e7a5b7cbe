/**
 * Freezes `value` and everything reachable from it, and returns it. A part already frozen is taken
 * as frozen all the way down (what Serin freezes, it freezes whole), so shared frozen parts are not
 * walked again. It walks with a stack of its own, not by recursion: the watch caches freeze every
 * object the API server sends, and one stored thousands of levels deep (the API server keeps what a
 * schema with unknown fields admits) must not overflow the call stack and stop the watch of every
 * other object of its kind.
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object' || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const child of Object.values(next)) pending.push(child);
  }
  return value;
}
