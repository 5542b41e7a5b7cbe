/**
 * Validation of objects that cannot change, without copying them. The controller validates a
 * Canary each time it reconciles it, and a release reconciles it every interval while its spec
 * stays the same: validating (and first deep-copying) the whole object each time was the
 * simulator's largest single cost. An object frozen all the way down, as the simulator's cluster
 * stores them, is validated in two parts:
 * - its spec once: validated whole the first time, its defaulted spec is kept by the identity of
 *   the input spec (a changed spec is another object, so a kept verdict is never stale), sharing
 *   every part the defaults did not change with the input's;
 * - the rest (status, metadata) every time, in place: a check that it is valid and already in the
 *   form validation would give it (every default present, no field to prune) needs no copy.
 * Anything else — objects that are not frozen (the operator's informer caches), a rest that needs
 * defaults or pruning, any problem — is validated whole, as always, and problems are always
 * worded by the whole-object validator.
 */
import { deepFreeze } from '../lib/deep-freeze.js';
import { shareEqualParts } from '../lib/json-equal.js';
import { MAX_NESTING_DEPTH } from '../lib/plain-data.js';
import type { JsonSchema } from './plain-schema.js';
import type { ValidationResult } from './validate.js';

/** What {@link validateFrozenInParts} combines, both from one resource schema. */
export interface FrozenValidatorParts<T> {
  /** The whole object: the reference, and the one that words the issues when anything is wrong. */
  readonly whole: (obj: unknown) => ValidationResult<T>;
  /**
   * True when the object (given with `spec: {}`) is valid and validation would leave it as it is:
   * nothing to default, nothing to prune, nothing for `whole` to refuse. It must not change it.
   * Called only with plain JSON data that Serin reads (see {@link isFrozenJson}).
   */
  readonly restUnchanged: (obj: Readonly<Record<string, unknown>>) => boolean;
}

/**
 * A validator with the results of `parts.whole`. The first time it sees a spec frozen all the way
 * down, it validates the object whole and keeps the defaulted spec, frozen, by the identity of
 * the input spec. An object with that very spec whose rest needs no change gets a frozen value
 * sharing the object's own metadata and status and the kept spec; anything else, what `whole`
 * returns.
 */
export function validateFrozenInParts<T extends { readonly spec?: unknown }>(
  parts: FrozenValidatorParts<T>,
): (obj: unknown) => ValidationResult<T> {
  const specs = new WeakMap<object, unknown>();
  return (obj) => {
    if (!isPlainFrozen(obj) || !isRecord(obj.spec)) return parts.whole(obj);
    const { spec } = obj;
    // A spec kept was frozen all the way down when it was kept, so it still is, and still valid.
    const kept = specs.get(spec);
    if (kept !== undefined) {
      const rest: Record<string, unknown> = { ...obj, spec: {} };
      if (!restFrozenJson(rest) || !parts.restUnchanged(rest)) return parts.whole(obj);
      rest.spec = kept;
      return { ok: true, value: Object.freeze(rest) as T };
    }
    const result = parts.whole(obj);
    if (!result.ok) return result;
    // The validated copy shares what it has in common with the object (all but the defaults): a
    // cached Canary's spec is not kept twice, nor its strings.
    const value = shareEqualParts(result.value, obj);
    if (isDeepFrozen(spec)) {
      deepFreeze(value.spec);
      specs.set(spec, value.spec);
    }
    return { ok: true, value };
  };
}

/** A frozen plain object (as JSON gives, not an instance of some class). */
function isPlainFrozen(value: unknown): value is Readonly<Record<string, unknown>> {
  if (!isRecord(value) || !Object.isFrozen(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Is everything but the spec frozen JSON data (so the value may share it)? */
function restFrozenJson(rest: Readonly<Record<string, unknown>>): boolean {
  for (const key in rest) if (key !== 'spec' && !isFrozenJson(rest[key], 1)) return false;
  return true;
}

/**
 * True when `value` is frozen all the way down and is the JSON data Serin reads: plain objects and
 * arrays at most {@link MAX_NESTING_DEPTH} levels deep (the value itself at level `depth`), finite
 * numbers, strings, booleans, null. Exactly the values `plainDataProblem` finds nothing wrong with,
 * that are also frozen: one walk for both questions.
 */
export function isFrozenJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > MAX_NESTING_DEPTH || !Object.isFrozen(value)) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isFrozenJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) if (!isFrozenJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

/**
 * True when `value` and everything in it is frozen, so it can never change. Bounded: deeper than
 * Serin reads, the answer is false and the object is validated whole (which reports the depth).
 */
export function isDeepFrozen(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth > MAX_NESTING_DEPTH || !Object.isFrozen(value)) return false;
  for (const key in value) if (!isDeepFrozen((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Root keywords that check each field on its own: the spec and the rest can be validated apart. */
const FIELDWISE_ROOT = new Set(['description', 'type', 'properties', 'required', 'additionalProperties']);

/** The schema, once sure that its root has no rule across fields (none that reads spec and status together). */
export function checkedRoot(schema: JsonSchema): JsonSchema {
  const across = Object.keys(schema).filter((key) => !FIELDWISE_ROOT.has(key));
  if (across.length > 0) throw new Error(`the Canary schema root has ${across.join(', ')}: validate it whole`);
  return schema;
}

/**
 * A schema that passes exactly the objects validation would accept and leave as they are: no
 * `default` (each defaulted field required instead), and unknown fields refused through
 * `propertyNames` (Ajv prunes where `additionalProperties` is false). Compiled on a validating
 * Ajv instance, it neither defaults nor prunes, so it checks an object in place.
 */
export function unchangedSchema(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  delete out.default;
  if (isRecord(node.properties)) {
    const properties = node.properties as Record<string, JsonSchema>;
    out.properties = Object.fromEntries(Object.entries(properties).map(([k, sub]) => [k, unchangedSchema(sub)]));
    const defaulted = Object.keys(properties).filter((k) => properties[k]?.default !== undefined);
    const required = Array.isArray(node.required) ? (node.required as string[]) : [];
    if (defaulted.length > 0) out.required = [...new Set([...required, ...defaulted])];
    if (node.additionalProperties === false) {
      delete out.additionalProperties;
      out.propertyNames = { enum: Object.keys(properties) };
    }
  }
  for (const key of ['items', 'additionalProperties', 'not'] as const) {
    if (isRecord(node[key])) out[key] = unchangedSchema(node[key]);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = node[key];
    if (Array.isArray(branches)) out[key] = branches.map((b: JsonSchema) => unchangedSchema(b));
  }
  return out;
}

/** Does the object carry `metadata.managedFields` (which validation drops)? */
export function hasManagedFields(obj: Readonly<Record<string, unknown>>): boolean {
  return isRecord(obj.metadata) && 'managedFields' in obj.metadata;
}
