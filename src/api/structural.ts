/**
 * The structural-schema rules of apiextensions/v1, checked before a CRD is rendered so a bad
 * schema fails in a unit test rather than at `kubectl apply`.
 */
import { KEY_ORDER, isRecord, type JsonSchema } from './plain-schema.js';
import { K8S_KEYWORDS } from './schema-kit.js';

/** Keywords a CRD schema may use (the fields of apiextensions/v1 JSONSchemaProps that we allow). */
const ALLOWED_KEYWORDS: ReadonlySet<string> = new Set<string>([
  ...KEY_ORDER,
  'title',
  'example',
  'externalDocs',
  'uniqueItems',
]);

/** Advice for keywords that JSON Schema tools emit but Kubernetes forbids. */
const FORBIDDEN_ADVICE: Readonly<Record<string, string>> = {
  const: 'use StringEnum([value])',
  patternProperties: 'use StringMap(value)',
  $ref: 'inline the schema',
  $defs: 'inline the schema',
  definitions: 'inline the schema',
  $id: 'remove it',
  id: 'remove it',
  $schema: 'remove it',
  dependencies: 'express it with oneOf/required or a CEL rule',
  additionalItems: 'use a single items schema',
  exclusiveMinimum: 'use minimum (Ajv and Kubernetes read this keyword differently)',
  exclusiveMaximum: 'use maximum (Ajv and Kubernetes read this keyword differently)',
};

/** String formats the apiserver knows (and validate.ts registers with Ajv where used). */
const K8S_FORMATS: ReadonlySet<string> = new Set([
  'int32',
  'int64',
  'float',
  'double',
  'byte',
  'date',
  'date-time',
  'duration',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'password',
]);

const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;

/**
 * Throws if `schema` is not a Kubernetes structural schema (or uses a keyword that Ajv and the
 * apiserver would read differently). The message names the offending field path.
 */
export function assertStructural(schema: JsonSchema): void {
  if (schema.type !== 'object') throw structuralError('<root>', 'the root must have type: object');
  const metadata = isRecord(schema.properties) ? schema.properties.metadata : undefined;
  if (isRecord(metadata)) checkMetadata(metadata);
  checkNode(schema, '');
}

/** The apiserver owns metadata: a CRD may only restrict name and generateName, and say nothing else. */
function checkMetadata(metadata: JsonSchema): void {
  const extraKeys = Object.keys(metadata).filter((key) => key !== 'type' && key !== 'properties');
  const fields = isRecord(metadata.properties) ? Object.keys(metadata.properties) : [];
  const extraFields = fields.filter((key) => key !== 'name' && key !== 'generateName');
  const extra = [...extraKeys, ...extraFields];
  if (metadata.type !== 'object' || extra.length > 0) {
    throw structuralError(
      'metadata',
      `must be a bare type: object (name and generateName aside), found ${extra.join(', ') || 'no type'}`,
    );
  }
}

function structuralError(path: string, problem: string): Error {
  return new Error(`CRD schema at ${path || '<root>'}: ${problem}`);
}

/**
 * `owner` is set inside allOf/anyOf/oneOf/not: the object outside the junctor that must declare
 * every field the branch mentions.
 */
function checkNode(node: JsonSchema, path: string, owner?: JsonSchema): void {
  for (const key of Object.keys(node)) {
    const advice = FORBIDDEN_ADVICE[key];
    if (advice !== undefined) {
      throw structuralError(path, `"${key}" is not allowed in a Kubernetes structural schema; ${advice}`);
    }
    if (!ALLOWED_KEYWORDS.has(key)) throw structuralError(path, `unknown keyword "${key}"`);
  }
  if (node.uniqueItems === true) {
    throw structuralError(path, 'uniqueItems: true is forbidden; use x-kubernetes-list-type: set');
  }
  if (typeof node.format === 'string' && !K8S_FORMATS.has(node.format)) {
    throw structuralError(path, `format "${node.format}" is unknown to Kubernetes`);
  }
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    throw structuralError(path, 'properties and additionalProperties cannot be used together');
  }
  const intOrString = node[K8S_KEYWORDS.intOrString] === true;
  if (owner !== undefined) {
    checkBranch(node, path, owner);
  } else if (node.type === undefined && !intOrString && node[K8S_KEYWORDS.preserveUnknownFields] !== true) {
    throw structuralError(path, 'every field needs a type (or x-kubernetes-int-or-string / preserve-unknown-fields)');
  }
  if (isRecord(node.properties)) {
    for (const [name, sub] of Object.entries(node.properties)) {
      const declared = owner === undefined ? undefined : propertyOf(owner, name);
      checkNode(sub as JsonSchema, join(path, name), owner === undefined ? undefined : (declared ?? {}));
    }
  }
  if (isRecord(node.items)) checkNode(node.items, `${path}[*]`, owner && subSchema(owner.items));
  if (isRecord(node.additionalProperties)) checkNode(node.additionalProperties, `${path}{*}`);
  const declaring = owner ?? node;
  for (const junctor of JUNCTORS) {
    const branches = node[junctor];
    if (branches === undefined) continue;
    if (!Array.isArray(branches)) throw structuralError(path, `${junctor} must be a list`);
    if (junctor === 'anyOf' && intOrString && isIntOrStringPair(branches)) continue;
    branches.forEach((branch: JsonSchema, i) => checkNode(branch, `${path}(${junctor}[${i}])`, declaring));
  }
  if (isRecord(node.not)) checkNode(node.not, `${path}(not)`, declaring);
}

/** Inside allOf/anyOf/oneOf/not only value checks are allowed, on fields declared outside. */
function checkBranch(node: JsonSchema, path: string, owner: JsonSchema): void {
  for (const key of ['description', 'type', 'default', 'additionalProperties', 'nullable']) {
    if (node[key] !== undefined) throw structuralError(path, `"${key}" is not allowed inside allOf/anyOf/oneOf/not`);
  }
  if (owner[K8S_KEYWORDS.preserveUnknownFields] === true) return;
  const mentioned = [
    ...(Array.isArray(node.required) ? (node.required as string[]) : []),
    ...(isRecord(node.properties) ? Object.keys(node.properties) : []),
  ];
  const undeclared = mentioned.filter((name) => propertyOf(owner, name) === undefined);
  if (undeclared.length > 0) {
    throw structuralError(path, `refers to ${undeclared.join(', ')}, which the enclosing object does not declare`);
  }
}

function propertyOf(node: JsonSchema, name: string): JsonSchema | undefined {
  return isRecord(node.properties) ? subSchema(node.properties[name]) : undefined;
}

function subSchema(value: unknown): JsonSchema | undefined {
  return isRecord(value) ? value : undefined;
}

function isIntOrStringPair(branches: unknown[]): boolean {
  const types = branches.map((branch) => (isRecord(branch) ? JSON.stringify(branch) : ''));
  return types.length === 2 && types[0] === '{"type":"integer"}' && types[1] === '{"type":"string"}';
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
