/**
 * Deep-clones TypeBox schemas into plain JSON for CRDs and Ajv: no symbol keys, no `$id`, no
 * TypeBox-only keywords, and a fixed key order so the rendered YAML is stable.
 */
import type { TSchema } from '@sinclair/typebox';
import { K8S_KEYWORDS } from './schema-kit.js';

/** A JSON schema node as plain data. */
export type JsonSchema = { [key: string]: unknown };

/** Options of {@link toPlainSchema}. */
export interface PlainSchemaOptions {
  /** Keep the JavaScript twins (`check`) of CEL rules; the runtime validator needs them. Default false. */
  readonly keepChecks?: boolean;
}

/** Key order of emitted schema nodes; unlisted keys follow alphabetically. */
export const KEY_ORDER: readonly string[] = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'nullable',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  ...Object.values(K8S_KEYWORDS),
];

/** Keys that hold sub-schemas; everything else is a value. */
const SCHEMA_KEYS: ReadonlySet<string> = new Set(['items', 'not', 'additionalProperties', 'allOf', 'anyOf', 'oneOf']);

/** True for a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep-clones a TypeBox schema into plain JSON: drops symbol keys, `$id` and functions, rewrites
 * `const` to `enum`, `Type.Record`'s catch-all `patternProperties` to `additionalProperties`, unions
 * of literals to a string enum, and orders keys deterministically.
 */
export function toPlainSchema(schema: TSchema | JsonSchema, options: PlainSchemaOptions = {}): JsonSchema {
  return plainNode(schema, options);
}

function plainNode(node: JsonSchema, options: PlainSchemaOptions): JsonSchema {
  const out: JsonSchema = {};
  const literalUnion = literalEnum(node);
  const source: JsonSchema = literalUnion ? { ...withoutKeys(node, ['anyOf', 'oneOf']), ...literalUnion } : node;
  for (const [key, value] of Object.entries(source)) {
    if (key === '$id' || typeof value === 'function') continue;
    if (key === 'const') {
      out.enum = [value];
      out.type ??= typeof value;
    } else if (key === 'patternProperties' && isCatchAll(value)) {
      out.additionalProperties = plainNode(Object.values(value)[0] as JsonSchema, options);
    } else if (key === 'additionalProperties' && value === false && isRecord(node.properties)) {
      // Kubernetes prunes unknown fields itself and forbids this next to `properties`.
      continue;
    } else if (key === 'properties' && isRecord(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, plainNode(sub as JsonSchema, options)]),
      );
    } else if (key === K8S_KEYWORDS.validations && Array.isArray(value)) {
      out[key] = value.map((rule: JsonSchema) => plainRule(rule, options));
    } else if (SCHEMA_KEYS.has(key)) {
      out[key] = Array.isArray(value)
        ? value.map((sub: JsonSchema) => plainNode(sub, options))
        : isRecord(value)
          ? plainNode(value, options)
          : value;
    } else {
      out[key] = structuredClone(value);
    }
  }
  return orderKeys(out);
}

function plainRule(rule: JsonSchema, options: PlainSchemaOptions): JsonSchema {
  const out: JsonSchema = {};
  for (const key of ['rule', 'message', 'messageExpression', 'fieldPath', 'reason']) {
    if (rule[key] !== undefined) out[key] = rule[key];
  }
  if (options.keepChecks === true) out.check = rule.check;
  return out;
}

/** `Type.Union([Type.Literal('a'), ...])` → `{ type: 'string', enum: ['a', ...] }`. */
function literalEnum(node: JsonSchema): JsonSchema | undefined {
  const branches = node.anyOf ?? node.oneOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const values = branches.map((branch: unknown) => (isRecord(branch) ? branch.const : undefined));
  if (values.some((value) => value === undefined)) return undefined;
  const types = new Set(values.map((value) => typeof value));
  return types.size === 1 ? { type: [...types][0], enum: values } : undefined;
}

function isCatchAll(value: unknown): value is JsonSchema {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && ['^(.*)$', '^.*$'].includes(keys[0] ?? '');
}

function withoutKeys(node: JsonSchema, keys: readonly string[]): JsonSchema {
  return Object.fromEntries(Object.entries(node).filter(([key]) => !keys.includes(key)));
}

function orderKeys(node: JsonSchema): JsonSchema {
  const rank = (key: string): number => {
    const index = KEY_ORDER.indexOf(key);
    return index === -1 ? KEY_ORDER.length : index;
  };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((key) => [key, node[key]]));
}
