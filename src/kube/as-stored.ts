/**
 * A manifest as the API server stores it: object fields whose value is `null` are dropped (for a
 * CRD with a structural schema, a null in a field that is not nullable is removed before defaulting
 * and validation). Helm charts render unset values as `webhooks: null`; kubectl applies them and the
 * operator runs the Canary, so `serin check` and `serin simulate` must read the file the same way.
 * The copy keeps its own stack, so a document of any depth is safe to pass.
 */
export function asStored<T>(value: T): T {
  const root: { value: unknown } = { value: undefined };
  const work: { from: unknown; put: (v: unknown) => void }[] = [{ from: value, put: (v) => (root.value = v) }];
  for (let next = work.pop(); next !== undefined; next = work.pop()) {
    const { from, put } = next;
    if (Array.isArray(from)) {
      const out: unknown[] = new Array<unknown>(from.length);
      put(out);
      from.forEach((v: unknown, i) => work.push({ from: v, put: (c) => (out[i] = c) }));
    } else if (from !== null && typeof from === 'object') {
      const out: Record<string, unknown> = {};
      put(out);
      for (const [k, v] of Object.entries(from as Record<string, unknown>)) {
        if (v === null) continue;
        out[k] = undefined; // the key's place, so the copy keeps the document's key order
        work.push({ from: v, put: (c) => (out[k] = c) });
      }
    } else put(from);
  }
  return root.value as T;
}
