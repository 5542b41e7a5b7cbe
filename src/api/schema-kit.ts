/**
 * Builders for Kubernetes *structural* OpenAPI schemas on top of TypeBox.
 *
 * The apiserver rejects several JSON-Schema constructs that TypeBox emits by default (`const` from
 * `Type.Literal`, `patternProperties` from `Type.Record`, `$ref`, `additionalProperties` next to
 * `properties`). These helpers emit the Kubernetes spelling instead while keeping an exact static
 * type, so one definition yields the TypeScript type, the Ajv validator and the CRD schema.
 */
import {
  Type,
  type SchemaOptions,
  type Static,
  type TInteger,
  type TSchema,
  type TString,
  type TUnsafe,
} from '@sinclair/typebox';

/** Schema options that must carry a description: every CRD field explains itself in `kubectl explain`. */
export interface Described extends SchemaOptions {
  readonly description: string;
}

/** Flagger's duration pattern (seconds or minutes); deliberately unanchored at the end, as in Flagger. */
export const DURATION_PATTERN = '^[0-9]+(m|s)';

/** Vendor extensions the apiserver understands; validate.ts teaches them to Ajv. */
export const K8S_KEYWORDS = {
  preserveUnknownFields: 'x-kubernetes-preserve-unknown-fields',
  intOrString: 'x-kubernetes-int-or-string',
  embeddedResource: 'x-kubernetes-embedded-resource',
  listType: 'x-kubernetes-list-type',
  listMapKeys: 'x-kubernetes-list-map-keys',
  mapType: 'x-kubernetes-map-type',
  validations: 'x-kubernetes-validations',
} as const;

/**
 * A CEL rule for `x-kubernetes-validations` together with its JavaScript twin.
 * The apiserver evaluates `rule`; the runtime validator evaluates `check`, so the two must agree.
 * `check` is stripped when the CRD is rendered.
 */
export interface CelRule {
  /** CEL expression over `self` (the object the rule is attached to); must be true for valid objects. */
  readonly rule: string;
  /** Message shown to the user when the rule is false. */
  readonly message: string;
  /** Optional JSONPath-like field (relative to `self`, e.g. `.port`) the error is reported on. */
  readonly fieldPath?: string;
  /** Same predicate as `rule`, in JavaScript; receives the object with CRD defaults applied. */
  readonly check: (self: Readonly<Record<string, unknown>>) => boolean;
}

/** A string restricted to `values`, typed as their union (TypeBox would emit `anyOf` of `const`). */
export function StringEnum<const T extends string>(values: readonly T[], options: Described): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, type: 'string', enum: [...values] });
}

/** A map with string keys, typed as a Record (TypeBox's `Type.Record` would emit `patternProperties`). */
export function StringMap<V extends TSchema>(value: V, options: Described): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({ ...options, type: 'object', additionalProperties: value });
}

/** Kubernetes int-or-string (ports, percentages); the `anyOf` below is the one form k8s allows. */
export function IntOrString(options: Described): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({
    ...options,
    [K8S_KEYWORDS.intOrString]: true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
  });
}

/** A Flagger duration string such as `30s` or `5m` (hours are not accepted, as in Flagger). */
export function Duration(options: Described): TString {
  return Type.String({ ...options, pattern: DURATION_PATTERN });
}

/** An integer percentage in 0..100 (weights, readiness thresholds). */
export function Percent(options: Described): TInteger {
  return Type.Integer({ ...options, minimum: 0, maximum: 100 });
}

/** A 32-bit integer, as the Go type behind the field. */
export function Int32(options: Described): TInteger {
  return Type.Integer({ ...options, format: 'int32' });
}

/**
 * An object kept verbatim: for large foreign structures (Istio traffic policies) that Serin passes
 * through without interpreting, so new upstream fields keep working without a CRD change.
 */
export function PreserveUnknown(options: Described): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    ...options,
    type: 'object',
    [K8S_KEYWORDS.preserveUnknownFields]: true,
  });
}

/** Schema-option fragment: exactly one of the `groups` of required fields must be present. */
export function OneOfRequired(groups: readonly (readonly string[])[]): { oneOf: { required: string[] }[] } {
  return { oneOf: groups.map((group) => ({ required: [...group] })) };
}

/** Schema-option fragment: at most one of `keys` may be set (none is fine). */
export function AtMostOneOf(keys: readonly string[]): { not: { anyOf: { required: string[] }[] } } {
  const pairs: { required: string[] }[] = [];
  keys.forEach((a, i) => keys.slice(i + 1).forEach((b) => pairs.push({ required: [a, b] })));
  return { not: { anyOf: pairs } };
}

/** Schema-option fragment attaching CEL rules (with their JavaScript twins). */
export function CelRules(...rules: readonly CelRule[]): { [K8S_KEYWORDS.validations]: readonly CelRule[] } {
  return { [K8S_KEYWORDS.validations]: rules };
}
