import { deepFreeze } from '../lib/deep-freeze.js';

/**
 * Deep-frozen copies that share what is frozen already. The in-memory cluster stores every object
 * frozen so no caller can change it behind the cluster's back; copying and freezing every write
 * whole was the simulator's largest cost (a status write copied the spec again, and the copy made
 * the validator's per-spec cache miss). A write now copies only the parts the caller built: the
 * parts it took from a stored object are frozen, can never change, and are shared.
 *
 * A frozen value is taken as frozen all the way down, as everything the cluster hands out is (and
 * every constant Serin freezes). Marking sealed objects instead (a WeakSet) made a write of a
 * Canary status ten times slower than this copy.
 */
export function sealed<T>(value: T): T {
  if (value === null || typeof value !== 'object') {
    // What structured cloning refuses (a function, a symbol) is refused with its very error.
    return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  }
  if (Object.isFrozen(value)) return value;
  const copy: unknown = Array.isArray(value) ? value.map((v: unknown) => sealed(v)) : copyObject(value);
  return Object.freeze(copy) as T;
}

function copyObject(value: object): object {
  const proto: unknown = Object.getPrototypeOf(value);
  // Anything but a plain object (a Date, say) is copied as the structured clone algorithm does.
  if (proto !== Object.prototype && proto !== null) return deepFreeze(structuredClone(value));
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const v = sealed(source[key]);
    // A JSON object may carry an own `__proto__` key: keep it a key, not a prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true });
    else copy[key] = v;
  }
  return copy;
}

/**
 * Freezes `value`, an object its caller has just built and that no one else holds, with its values
 * sealed in place: only the values the caller did not freeze are copied (a write's new object and
 * its new metadata were copied once more by {@link sealed}, on every write).
 */
export function sealedInPlace<T extends object>(value: T): T {
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const v = obj[key];
    if (typeof v === 'object' ? v !== null && !Object.isFrozen(v) : typeof v === 'function' || typeof v === 'symbol') {
      obj[key] = sealed(v);
    }
  }
  return Object.freeze(value);
}
