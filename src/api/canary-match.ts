/**
 * Request matchers shared by `spec.service.match` (Istio HTTPMatchRequest) and
 * `spec.analysis.match` (A/B testing conditions).
 */
import { Type, type Static, type TObject, type TOptional, type TString } from '@sinclair/typebox';
import { AtMostOneOf, OneOfRequired, StringMap, type Described } from './schema-kit.js';

const OPERATOR_TEXT: Readonly<Record<string, string>> = {
  exact: 'Matches when the value equals this string.',
  prefix: 'Matches when the value starts with this string.',
  suffix: 'Matches when the value ends with this string.',
  regex: 'Matches when the value matches this RE2 regular expression.',
};

/** How a StringMatch may be filled: at most one operator, or exactly one. */
export type StringMatchArity = 'at-most-one' | 'exactly-one';

/**
 * An Istio-style string matcher (`{exact}`, `{prefix}`, `{regex}`, optionally `{suffix}`).
 * Only the operators in `keys` are declared, as Flagger does per field.
 */
export function StringMatch<const K extends string>(
  keys: readonly K[],
  arity: StringMatchArity,
  options: Described,
): TObject<Record<K, TOptional<TString>>> {
  const properties = Object.fromEntries(keys.map((key) => [key, optionalString(OPERATOR_TEXT[key] ?? key)]));
  const rule = arity === 'exactly-one' ? OneOfRequired(keys.map((key) => [key])) : AtMostOneOf(keys);
  return Type.Object(properties as Record<K, TOptional<TString>>, { ...options, ...rule });
}

/** An optional string field. */
export function optionalString(description: string): TOptional<TString> {
  return Type.Optional(Type.String({ description }));
}

/** Operators Istio's StringMatch offers. */
export const ISTIO_OPERATORS = ['exact', 'prefix', 'regex'] as const;

function istioMatch(description: string) {
  return Type.Optional(StringMatch(ISTIO_OPERATORS, 'at-most-one', { description }));
}

function istioMatchMap(description: string) {
  return Type.Optional(
    StringMap(StringMatch(ISTIO_OPERATORS, 'at-most-one', { description: 'Matcher for one key.' }), {
      description,
    }),
  );
}

/** One request-matching rule (Istio HTTPMatchRequest); the other meshes map the parts they support. */
export const HttpMatchRequestSchema = Type.Object(
  {
    name: optionalString('Name of this match, copied into the generated route where the mesh supports it.'),
    uri: istioMatch('Matches the request path. App Mesh uses only `match[0].uri.prefix`.'),
    scheme: istioMatch('Matches the URI scheme (http, https).'),
    method: istioMatch('Matches the HTTP method.'),
    authority: istioMatch('Matches the HTTP authority (Host header).'),
    headers: istioMatchMap('Header name to matcher; all must match. Header names are lower case.'),
    queryParams: istioMatchMap('Query parameter name to matcher; all must match.'),
    withoutHeaders: istioMatchMap('Header name to matcher; the request matches only if none of them match.'),
    port: Type.Optional(Type.Integer({ description: 'Matches requests addressed to this port of the host.' })),
    sourceLabels: Type.Optional(
      StringMap(Type.String({ description: 'Label value.' }), {
        description: 'Matches only requests from workloads carrying these labels (Istio).',
      }),
    ),
    gateways: Type.Optional(
      Type.Array(Type.String({ description: 'Gateway name.' }), {
        description: 'Names of the Istio gateways this match applies to.',
      }),
    ),
    ignoreUriCase: Type.Optional(Type.Boolean({ description: 'Match the URI case-insensitively. Default false.' })),
    sourceNamespace: optionalString('Matches only requests from workloads in this namespace (Istio).'),
  },
  { description: 'Conditions a request must meet to take the generated route.' },
);

/** One request-matching rule of `spec.service.match`. */
export type HttpMatchRequest = Static<typeof HttpMatchRequestSchema>;
