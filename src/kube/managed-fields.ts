/**
 * `metadata.managedFields` is the API server's record of which field manager set which field: for a
 * Deployment a second copy of its whole spec, as field paths. Serin needs one fact from it — when
 * someone last changed a workload's pod template (src/targets/takeover.ts) — so the watch caches keep
 * each entry's manager, operation, time and subresource, and of its fields only whether it owns
 * `spec.template`. That takes a third or more off every cached workload. Writes never send these
 * entries back: an update without managedFields leaves the server's record as it is
 * ({@link withoutManagedFields}).
 */
import type { KubeObject } from './objects.js';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
}

/** What a compacted entry keeps of `fieldsV1` when the entry owns any field of the pod template. */
const TEMPLATE_OWNED = Object.freeze({ 'f:spec': Object.freeze({ 'f:template': Object.freeze({}) }) });

function ownsTemplate(entry: ManagedFieldsEntry): boolean {
  const spec = entry.fieldsV1?.['f:spec'];
  return typeof spec === 'object' && spec !== null && 'f:template' in spec;
}

/**
 * Replaces, in place, the object's managedFields with their compact form and returns the object.
 * Meant for an object just parsed from the API server's answer, which nobody else holds yet.
 */
export function compactManagedFields<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata as { managedFields?: unknown };
  const entries = metadata?.managedFields;
  if (!Array.isArray(entries)) return obj;
  metadata.managedFields = (entries as ManagedFieldsEntry[]).map((entry) => {
    const compact: ManagedFieldsEntry = {};
    if (entry.manager !== undefined) compact.manager = entry.manager;
    if (entry.operation !== undefined) compact.operation = entry.operation;
    if (entry.apiVersion !== undefined) compact.apiVersion = entry.apiVersion;
    if (entry.time !== undefined) compact.time = entry.time;
    if (entry.subresource !== undefined) compact.subresource = entry.subresource;
    if (ownsTemplate(entry)) compact.fieldsV1 = TEMPLATE_OWNED;
    return compact;
  });
  return obj;
}

/**
 * The object to send in an update (PUT): without managedFields, which the API server then keeps as
 * they are. A cached object's compact entries must never reach the server, which would take them as
 * the new record of field ownership.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!('managedFields' in (obj.metadata ?? {}))) return obj;
  const metadata: Record<string, unknown> = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}
