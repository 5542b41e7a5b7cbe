/** Pure JSON helpers shared by the engine and the adapters. */

/**
 * True when both values serialise to the same JSON regardless of key order: keys whose value is
 * undefined count as absent, an undefined array element as null (as `JSON.stringify` writes them).
 * Compares in place, without building canonical copies: the operator and the simulator call it for
 * every object they keep in shape, on every reconcile. It walks with a stack of its own, not by
 * recursion, so an object stored thousands of levels deep cannot overflow the call stack (as fast
 * as the recursive form on the shallow objects of every reconcile).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const pending: unknown[] = [a, b];
  while (pending.length > 0) {
    const y = pending.pop();
    const x = pending.pop();
    if (!samePair(x, y, pending)) return false;
  }
  return true;
}

/**
 * Compares what can be told of `a` and `b` without looking inside their members, and queues the
 * pairs of members still to compare (two entries each) on `pending`.
 */
function samePair(a: unknown, b: unknown, pending: unknown[]): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return jsonScalar(a) === jsonScalar(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) pending.push(a[i] ?? null, b[i] ?? null);
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const key in x) {
    if (!Object.hasOwn(x, key) || x[key] === undefined) continue;
    defined++;
    if (!Object.hasOwn(y, key)) return false;
    pending.push(x[key], y[key]);
  }
  for (const key in y) if (Object.hasOwn(y, key) && y[key] !== undefined) defined--;
  return defined === 0;
}

/** How JSON writes a non-object value (NaN and ±Infinity become null). */
function jsonScalar(value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/**
 * `copy` (plain data, not frozen, as deep as plain-data's MAX_NESTING_DEPTH at most) made to share
 * whatever it has in common with `original`: `original` itself when the two are equal as JSON,
 * otherwise `copy` with each member equal to `original`'s replaced by `original`'s (strings
 * included). A validated copy with defaults filled in then keeps only its defaults of its own, and
 * the strings of the cached object it was made from instead of copies of them.
 */
export function shareEqualParts<T>(copy: T, original: unknown): T {
  if (copy === original) return copy;
  if (typeof copy !== 'object' || copy === null) return (copy === original ? original : copy) as T;
  if (typeof original !== 'object' || original === null || Array.isArray(copy) !== Array.isArray(original)) return copy;
  const mine = copy as Record<string, unknown>;
  const theirs = original as Record<string, unknown>;
  let same = Object.keys(mine).length === Object.keys(theirs).length;
  for (const key of Object.keys(mine)) {
    const had = Object.hasOwn(theirs, key);
    const shared = had ? shareEqualParts(mine[key], theirs[key]) : mine[key];
    if (!had || shared !== theirs[key]) same = false;
    if (shared !== mine[key]) mine[key] = shared;
  }
  return same ? (original as T) : copy;
}
