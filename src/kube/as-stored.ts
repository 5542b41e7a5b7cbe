/**
 * A manifest as the API server stores it: object fields whose value is `null` are dropped (for a
 * CRD with a structural schema, a null in a field that is not nullable is removed before defaulting
 * and validation). Helm charts render unset values as `webhooks: null`; kubectl applies them and the
 * operator runs the Canary, so `serin check` and `serin simulate` must read the file the same way.
 */
export function asStored<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => asStored(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null) out[k] = asStored(v);
  }
  return out as T;
}
