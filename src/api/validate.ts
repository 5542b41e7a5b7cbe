/**
 * Runtime validation of Flagger objects with Ajv, compiled from the same plain schema the CRDs are
 * rendered from, so Serin accepts exactly what the apiserver accepts (plus the CEL rules, checked
 * by their JavaScript twins). Results are values: `{ ok, value }` or `{ ok: false, issues }`.
 */
import { Ajv, type ErrorObject, type FuncKeywordDefinition } from 'ajv';
import { AlertProviderDefinition, type AlertProvider } from './alert-provider.js';
import { CanaryDefinition, type Canary } from './canary.js';
import { toPlainSchema, type JsonSchema } from './crd.js';
import { renderIssue } from './issue-text.js';
import { judgeIssues } from './judge-settings.js';
import { MetricTemplateDefinition, type MetricTemplate } from './metric-template.js';
import type { TSchema } from '@sinclair/typebox';
import { K8S_KEYWORDS } from './schema-kit.js';
import { plainDataProblem } from '../lib/plain-data.js';
import {
  checkedRoot,
  hasManagedFields,
  unchangedSchema,
  validateFrozenInParts,
  type FrozenValidatorParts,
} from './spec-cache.js';
import { templateProblem } from '../metrics/render.js';

/** One problem found in an object. */
export interface ValidationIssue {
  /** Field path in kubectl form, e.g. `spec.analysis.metrics[0].thresholdRange`; empty for the root. */
  readonly path: string;
  /** What is wrong, quoting the offending input. */
  readonly message: string;
}

/** Outcome of validating one object. */
export type ValidationResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * What to do with fields the schema does not declare: `prune` drops them silently, as the apiserver
 * stores objects; `reject` reports each one, as `kubectl apply` does with strict field validation.
 */
export type UnknownFieldPolicy = 'prune' | 'reject';

/** Options of {@link createValidators}. */
export interface ValidatorOptions {
  /** Default `prune`: objects read from the apiserver may carry fields a newer CRD added. */
  readonly unknownFields?: UnknownFieldPolicy;
}

/**
 * Validators for the three kinds. Each returns a deep copy of the input with CRD defaults applied
 * (and unknown fields pruned, by default); the input itself is never modified.
 */
export interface Validators {
  readonly canary: (obj: unknown) => ValidationResult<Canary>;
  readonly metricTemplate: (obj: unknown) => ValidationResult<MetricTemplate>;
  readonly alertProvider: (obj: unknown) => ValidationResult<AlertProvider>;
}

/**
 * The three validators. Each schema is compiled on the first call of its validator (compiling all
 * three took most of a short simulation, and most callers use one), first for a yes-or-no answer
 * only; the validator that words every issue is compiled when an object is refused. A Canary
 * frozen all the way down has its spec validated once and the rest checked in place
 * (spec-cache.ts).
 */
export function createValidators(options: ValidatorOptions = {}): Validators {
  const policy = options.unknownFields ?? 'prune';
  let lean: Ajv | undefined;
  let rich: Ajv | undefined;
  const ajv: AjvPair = {
    lean: () => (lean ??= newAjv(policy, false)),
    rich: () => (rich ??= newAjv(policy, true)),
  };
  return Object.freeze({
    canary: validateFrozenInParts(canaryParts(ajv)),
    metricTemplate: withQueryTemplate(
      leanFirst<MetricTemplate>(ajv, () => closedSchema(MetricTemplateDefinition.schema)),
    ),
    alertProvider: leanFirst<AlertProvider>(ajv, () => closedSchema(AlertProviderDefinition.schema)),
  });
}

/** The two Ajv instances of a set of validators, each made when first needed. */
interface AjvPair {
  /** Stops at the first error, without the data in it: for objects that pass, which most do. */
  readonly lean: () => Ajv;
  /** Collects every error with the offending data, to word the issues of an object refused. */
  readonly rich: () => Ajv;
}

/**
 * A validator compiled on the lean instance, that asks the rich one (compiled then) for the issues
 * of an object it refuses. Both accept the same objects and make the same copy of them: they
 * differ only in how many errors they collect and what they keep in each.
 */
function leanFirst<T>(ajv: AjvPair, schema: () => JsonSchema): (obj: unknown) => ValidationResult<T> {
  const lean = lazy(() => compile<T>(ajv.lean(), schema(), false));
  const rich = lazy(() => compile<T>(ajv.rich(), schema()));
  return (obj) => {
    const result = lean(obj);
    return result.ok ? result : rich(obj);
  };
}

/**
 * The Canary validator whole, and a check of the rest (the object with an open spec) that it is
 * valid and needs nothing defaulted or pruned: one schema, two views.
 */
function canaryParts(ajv: AjvPair): FrozenValidatorParts<Canary> {
  let schema: JsonSchema | undefined;
  const whole = () => (schema ??= checkedRoot(closedSchema(CanaryDefinition.schema)));
  return {
    whole: withJudge(leanFirst<Canary>(ajv, whole)),
    restUnchanged: lazy(() => {
      const properties = { ...(whole().properties as Record<string, JsonSchema>), spec: { type: 'object' } };
      const check = ajv.lean().compile(unchangedSchema({ ...whole(), properties }));
      // Called with plain JSON only (spec-cache.ts checks): plainDataProblem would find nothing.
      return (obj) => !hasManagedFields(obj) && check(obj) === true;
    }),
  };
}

/**
 * A Canary whose `spec.analysis.judge` has problems the schema cannot say (ranges, `passBelow`
 * above `failAbove`, a judge on A/B testing, templates the compared signals need) is refused with
 * one issue per field, in the judge's own words (judge-settings.ts). Without a judge: unchanged.
 */
function withJudge(validate: (obj: unknown) => ValidationResult<Canary>): (obj: unknown) => ValidationResult<Canary> {
  return (obj) => {
    const checked = validate(obj);
    const issues = checked.ok ? judgeIssues(checked.value.spec?.analysis) : [];
    return issues.length === 0 ? checked : { ok: false, issues };
  };
}

/** A function that makes `make()`'s function on its first call and calls it then and after. */
function lazy<A, R>(make: () => (arg: A) => R): (arg: A) => R {
  let made: ((arg: A) => R) | undefined;
  return (arg) => (made ??= make())(arg);
}

/**
 * A MetricTemplate's query is a Go template: one that does not parse, or that uses what Flagger's
 * templates do not have (a Sprig function, `range`, `$x`), is refused at `spec.query` when it is
 * read, not when the first analysis renders it.
 */
function withQueryTemplate(
  validate: (obj: unknown) => ValidationResult<MetricTemplate>,
): (obj: unknown) => ValidationResult<MetricTemplate> {
  return (obj) => {
    const checked = validate(obj);
    const query: unknown = checked.ok ? checked.value.spec?.query : undefined;
    const problem = typeof query === 'string' ? templateProblem(query) : undefined;
    return problem === undefined ? checked : { ok: false, issues: [{ path: 'spec.query', message: problem }] };
  };
}

/**
 * A validator for any other input Serin reads (scenario files, configuration) defined with the same
 * schema kit: same paths, same messages. Unknown fields are reported by default (`reject`).
 */
export function createSchemaValidator<T>(
  schema: TSchema,
  unknownFields: UnknownFieldPolicy = 'reject',
): (obj: unknown) => ValidationResult<T> {
  return compile<T>(newAjv(unknownFields), closedSchema(schema));
}

/** An Ajv instance; `rich` collects every error with its data, else it stops at the first. */
function newAjv(policy: UnknownFieldPolicy, rich = true): Ajv {
  const ajv = new Ajv({
    strict: true,
    // Without Ajv's optimizing pass the Canary schema compiles in half the time (every simulation
    // compiles it once: that was half of a 30-minute simulation); the code it would have trimmed
    // runs in under a microsecond per Canary either way.
    code: { optimize: false },
    // Ajv cannot see through `not`, where AtMostOneOf names fields; assertStructural already
    // proves every field a junctor requires is declared next to it.
    strictRequired: false,
    allErrors: rich,
    verbose: rich,
    useDefaults: true,
    removeAdditional: policy === 'prune',
  });
  registerKubernetesVocabulary(ajv);
  return ajv;
}

/** Renders issues one per line, `path: message`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('\n');
}

/** The plain JSON schema of `source` for Ajv: CEL twins kept, declared-field objects closed. */
function closedSchema(source: TSchema): JsonSchema {
  return closeObjects(toPlainSchema(source, { keepChecks: true }));
}

/** A validator of `schema`; with `wordIssues` false, a refusal carries no issues (the caller asks again). */
function compile<T>(ajv: Ajv, schema: JsonSchema, wordIssues = true): (obj: unknown) => ValidationResult<T> {
  const validate = ajv.compile(schema);
  return (input) => {
    const obj = withoutManagedFields(input);
    // First, without recursion: an object the API server stored 6,000 levels deep must be refused
    // with its field named, not overflow the stack of the clone or of the validator.
    const unplain = plainDataProblem(obj);
    if (unplain) return { ok: false, issues: [unplain] };
    let value: unknown;
    try {
      value = structuredClone(obj);
    } catch {
      return { ok: false, issues: [{ path: '', message: 'must be plain JSON data' }] };
    }
    if (validate(value)) return { ok: true, value: value as T };
    return { ok: false, issues: wordIssues ? toIssues(validate.errors ?? [], schema) : [] };
  };
}

/**
 * The object without `metadata.managedFields`: the API server's record of who set which field
 * mirrors the shape of the spec (so a deep spec is deep there too), and no rule reads it.
 */
function withoutManagedFields(obj: unknown): unknown {
  if (!isRecord(obj) || !isRecord(obj.metadata) || !('managedFields' in obj.metadata)) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

/** Marks declared-field objects closed so unknown fields are pruned or reported (per the policy). */
function closeObjects(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  if (isRecord(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, sub]) => [name, closeObjects(sub as JsonSchema)]),
    );
    if (node[K8S_KEYWORDS.preserveUnknownFields] !== true) out.additionalProperties = false;
  }
  if (isRecord(node.items)) out.items = closeObjects(node.items);
  if (isRecord(node.additionalProperties)) out.additionalProperties = closeObjects(node.additionalProperties);
  return out;
}

interface PlainRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly check?: (self: Readonly<Record<string, unknown>>) => boolean;
}

type DataValidator = ReturnType<NonNullable<FuncKeywordDefinition['compile']>>;

function registerKubernetesVocabulary(ajv: Ajv): void {
  const annotations = [
    [K8S_KEYWORDS.preserveUnknownFields, 'boolean'],
    // The anyOf [{integer}, {string}] next to it does the checking.
    [K8S_KEYWORDS.intOrString, 'boolean'],
    [K8S_KEYWORDS.embeddedResource, 'boolean'],
    [K8S_KEYWORDS.listType, 'string'],
    [K8S_KEYWORDS.listMapKeys, 'array'],
    [K8S_KEYWORDS.mapType, 'string'],
  ] as const;
  for (const [keyword, schemaType] of annotations) ajv.addKeyword({ keyword, schemaType });
  ajv.addKeyword({
    keyword: K8S_KEYWORDS.validations,
    schemaType: 'array',
    errors: true,
    compile: (rules: readonly PlainRule[]) => celTwins(rules),
  });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
  });
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Evaluates the JavaScript twins of a node's CEL rules. */
function celTwins(rules: readonly PlainRule[]): DataValidator {
  const checks = rules.map((rule) => {
    const { check } = rule;
    if (typeof check !== 'function') throw new Error(`CEL rule "${rule.rule}" has no JavaScript twin`);
    return { rule, check };
  });
  const validate: DataValidator = (data: unknown) => {
    const failed = isRecord(data) ? checks.filter(({ check }) => !check(data)) : [];
    validate.errors = failed.map(({ rule }) => ({
      keyword: K8S_KEYWORDS.validations,
      message: rule.message,
      params: { fieldPath: rule.fieldPath ?? '' },
    }));
    return failed.length === 0;
  };
  return validate;
}

const COMBINATORS: ReadonlySet<string> = new Set(['oneOf', 'anyOf', 'not']);

/** Turns Ajv errors into issues, one per problem: errors inside a failed oneOf/anyOf/not collapse. */
function toIssues(errors: readonly ErrorObject[], schema: JsonSchema): ValidationIssue[] {
  const combinators = errors.filter((error) => COMBINATORS.has(error.keyword));
  const kept = errors.filter(
    (error) => !combinators.some((outer) => outer !== error && error.schemaPath.startsWith(`${outer.schemaPath}/`)),
  );
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of kept) {
    const issue = renderIssue(error, schema);
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
