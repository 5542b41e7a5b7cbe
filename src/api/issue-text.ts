/**
 * Wording of validation issues: Ajv errors become kubectl-style field paths and messages that
 * quote the offending input ("must be <= 100, got 150").
 */
import type { ErrorObject } from 'ajv';
import type { JsonSchema } from './crd.js';
import { NON_NEGATIVE_DURATION_PATTERN } from '../lib/duration.js';
import { DURATION_PATTERN } from './schema-kit.js';
import type { ValidationIssue } from './validate.js';

const FORMAT_TEXT: Readonly<Record<string, string>> = {
  'date-time': 'an RFC 3339 date-time such as 2024-01-31T12:00:00Z',
  int32: 'a 32-bit integer',
};

/** Renders one Ajv error (made with `verbose: true`) against the schema Ajv compiled. */
export function renderIssue(error: ErrorObject, schema: JsonSchema): ValidationIssue {
  const path = fieldPath(schema, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: child(path, String(params.missingProperty)), message: 'required field is missing' };
    case 'additionalProperties':
      return { path, message: `unknown field "${String(params.additionalProperty)}"` };
    case 'x-kubernetes-validations': {
      const field = typeof params.fieldPath === 'string' ? params.fieldPath.replace(/^\./, '') : '';
      const value = field && isRecord(error.data) ? error.data[field] : undefined;
      const got = value === undefined ? '' : `, got ${quote(value)}`;
      return { path: field ? child(path, field) : path, message: `${error.message ?? 'is invalid'}${got}` };
    }
    default:
      return { path, message: describe(error, params) };
  }
}

function describe(error: ErrorObject, params: Record<string, unknown>): string {
  const got = `got ${quote(error.data)}`;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(params.type)}, got ${typeName(error.data)}${isRecord(error.data) || Array.isArray(error.data) ? '' : ` ${quote(error.data)}`}`;
    case 'enum':
      return `unsupported value ${quote(error.data)}; supported values: ${(params.allowedValues as unknown[]).map(quote).join(', ')}`;
    case 'minimum':
    case 'maximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}, ${got}`;
    case 'minLength':
      return `must be at least ${String(params.limit)} characters long, ${got}`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters long, ${got}`;
    case 'minItems':
      return `must have at least ${String(params.limit)} items, got ${countOf(error.data)}`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items, got ${countOf(error.data)}`;
    case 'pattern':
      if (params.pattern === DURATION_PATTERN)
        return `must be a duration in seconds or minutes such as 30s or 5m, ${got}`;
      if (params.pattern === NON_NEGATIVE_DURATION_PATTERN)
        return `must be a duration such as 500ms, 30s or 1m30s, never negative, ${got}`;
      return `must match ${String(params.pattern)}, ${got}`;
    case 'format':
      return `must be ${FORMAT_TEXT[String(params.format)] ?? `in format ${String(params.format)}`}, ${got}`;
    case 'oneOf':
      return describeOneOf(error.schema, error.data) ?? `must match exactly one of the allowed forms, ${got}`;
    case 'anyOf':
      return isIntOrString(error.parentSchema)
        ? `must be an integer or a string, ${got}`
        : `must match at least one of the allowed forms, ${got}`;
    case 'not':
      return describeNot(error.schema, error.data) ?? `must not match the forbidden form, ${got}`;
    default:
      return `${error.message ?? 'is invalid'}, ${got}`;
  }
}

/**
 * A oneOf of `required` groups reads as "set exactly one of A, B or C together with X and Y":
 * the fields every group shares are the "together with" part.
 */
function describeOneOf(branches: unknown, data: unknown): string | undefined {
  const groups = requiredGroups(branches);
  if (groups === undefined) return undefined;
  const common = (groups[0] ?? []).filter((field) => groups.every((group) => group.includes(field)));
  const choices = groups.map((group) => group.filter((field) => !common.includes(field)));
  const present = (field: string): boolean => isRecord(data) && data[field] !== undefined;
  const rule =
    `set exactly one of ${list(
      choices.map((c) => c.join(' and ')),
      'or',
    )}` + (common.length > 0 ? ` together with ${list(common, 'and')}` : '');
  const missing = common.filter((field) => !present(field));
  const chosen = choices.filter((choice) => choice.length > 0 && choice.every(present)).map((c) => c.join(' and '));
  if (missing.length > 0) return `${rule} (missing ${list(missing, 'and')})`;
  if (chosen.length === 0) return `${rule} (none is set)`;
  return chosen.length > 1 ? `${rule} (got ${list(chosen, 'and')})` : rule;
}

/** `not: {anyOf: [{required: [a, b]}, ...]}` reads as "set at most one of a, b or c". */
function describeNot(notSchema: unknown, data: unknown): string | undefined {
  const groups = isRecord(notSchema) ? requiredGroups(notSchema.anyOf) : undefined;
  if (groups === undefined) return undefined;
  const keys = [...new Set(groups.flat())];
  const present = keys.filter((key) => isRecord(data) && data[key] !== undefined);
  return `set at most one of ${list(keys, 'or')} (got ${list(present, 'and')})`;
}

function requiredGroups(branches: unknown): string[][] | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const groups = branches.map((branch) =>
    isRecord(branch) && Object.keys(branch).length === 1 && Array.isArray(branch.required)
      ? (branch.required as string[])
      : undefined,
  );
  return groups.every((group) => group !== undefined) ? groups : undefined;
}

function isIntOrString(schema: unknown): boolean {
  return isRecord(schema) && schema['x-kubernetes-int-or-string'] === true;
}

/** JSON pointer → kubectl path, using the schema to tell fields (`.a`) from indexes and map keys (`[k]`). */
function fieldPath(schema: JsonSchema, pointer: string): string {
  if (pointer === '') return '';
  let node: unknown = schema;
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const properties = isRecord(node) ? node.properties : undefined;
    if (isRecord(properties) && segment in properties) {
      path = child(path, segment);
      node = properties[segment];
    } else if (isRecord(node) && isRecord(node.items)) {
      path += `[${segment}]`;
      node = node.items;
    } else if (isRecord(node) && isRecord(node.additionalProperties)) {
      path += `[${segment}]`;
      node = node.additionalProperties;
    } else {
      path = child(path, segment);
      node = undefined;
    }
  }
  return path;
}

function child(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function list(items: readonly string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1) ?? ''}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function countOf(value: unknown): string {
  return Array.isArray(value) ? String(value.length) : quote(value);
}

/** Short JSON rendering of a value for messages. */
function quote(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? typeof value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
