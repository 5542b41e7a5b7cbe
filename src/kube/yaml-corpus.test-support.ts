/**
 * Tricky manifests and what kubectl reads from them. kubectl decodes YAML with sigs.k8s.io/yaml
 * (go-yaml v2, YAML 1.1 rules) into JSON; every expected value below is the JSON kubectl
 * v1.36's decoder (k8s.io/apimachinery/pkg/util/yaml) produced for the same text.
 */

/** One document (or file) and kubectl's reading of it: the values, or an error matching `error`. */
export interface CorpusCase {
  readonly name: string;
  readonly yaml: string;
  /** Each non-empty document's value, in order. */
  readonly values?: readonly unknown[];
  /** The error of the first document kubectl refuses. */
  readonly error?: RegExp;
}

export const CORPUS: readonly CorpusCase[] = [
  {
    name: 'YAML 1.1 booleans: yes/no, on/off, y/n in their spellings',
    yaml: 'v: [yes, no, on, off, y, n, Y, N, YES, No, True, FALSE, On, OFF]\n',
    values: [{ v: [true, false, true, false, true, false, true, false, true, false, true, false, true, false] }],
  },
  {
    name: 'quoted or !!str booleans stay text',
    yaml: `v: ["yes", 'on', !!str no, "true"]\n`,
    values: [{ v: ['yes', 'on', 'no', 'true'] }],
  },
  {
    name: 'null in its spellings, and an empty value',
    yaml: 'a: ~\nb: null\nc: Null\nd:\ne: NULL\nf: "null"\n',
    values: [{ a: null, b: null, c: null, d: null, e: null, f: 'null' }],
  },
  {
    name: 'integers: octal with a leading 0, 0o, hex, binary, underscores, signs',
    yaml: 'v: [0777, 0o17, 0x1F, 0b101, -0b11, 1_000, +5, -0, 08, 0X1f, 0B11, 0O17, 1_]\n',
    values: [{ v: [511, 15, 31, 5, -3, 1000, 5, 0, 8, 31, 3, 15, 1] }],
  },
  {
    name: 'floats, including forms YAML 1.2 would read otherwise',
    yaml: 'v: [1e3, .5, -.5, 5., 1.50, 0.1e1_0, 1e-999, 09.5]\n',
    values: [{ v: [1000, 0.5, -0.5, 5, 1.5, 1000000000, 0, 9.5] }],
  },
  {
    name: 'text that looks like a number: sexagesimal, dates, overflows, versions',
    yaml: 'v: [22:22, 1:2, 2001-12-14, 0xG, 1e999, ., "+0x1F", 1.2.3, +, 12:30:45]\n',
    values: [{ v: ['22:22', '1:2', '2001-12-14', '0xG', '1e999', '.', '+0x1F', '1.2.3', '+', '12:30:45'] }],
  },
  {
    name: 'explicit tags: !!str, !!int on a quoted scalar, !!float, !!bool, !!binary, custom tags, !!timestamp',
    yaml: 'v: [!!str 12, !!int "12", !!float 3, !!bool "yes", !!binary aGVsbG8=, !custom x, !!timestamp 2001-12-14]\n',
    values: [{ v: ['12', 12, 3, true, 'hello', 'x', '2001-12-14'] }],
  },
  {
    name: 'map keys become strings the way sigs.k8s.io/yaml writes them',
    yaml: 'k: {on: a, 1.5: c, 0x10: d, 3.14159265: e, 1e3: f, 0777: g, n: h, "on": i}\n',
    values: [
      { k: { true: 'a', '1.5': 'c', '16': 'd', '3.1415927': 'e', '1000': 'f', '511': 'g', false: 'h', on: 'i' } },
    ],
  },
  {
    name: 'merge keys (<<) as go-yaml v2 applies them',
    yaml: [
      'base: &b {a: 1, b: 2}',
      'm1: {a: 0, <<: *b}',
      'm2: {<<: *b, a: 0}',
      'm3: {<<: [{a: 1}, {a: 2, c: 3}]}',
      'm4:',
      '  <<: *b',
      '  c: 3',
      'm5: {"<<": x}',
      '',
    ].join('\n'),
    values: [
      {
        base: { a: 1, b: 2 },
        m1: { a: 1, b: 2 },
        m2: { a: 0, b: 2 },
        m3: { a: 1, c: 3 },
        m4: { a: 1, b: 2, c: 3 },
        m5: { '<<': 'x' },
      },
    ],
  },
  {
    name: 'a repeated key: the last one wins',
    yaml: 'd: 1\nd: 2\n',
    values: [{ d: 2 }],
  },
  {
    name: 'anchors and aliases of scalars and lists',
    yaml: 'a: &x yes\nb: *x\nc: &l [1, on]\nd: *l\n',
    values: [{ a: true, b: true, c: [1, true], d: [1, true] }],
  },
  {
    name: 'a quoted description whose continuation lines are no deeper than its key (Flagger crd.yaml style)',
    yaml: [
      'spec:',
      '  properties:',
      '    apiVersion:',
      "      description: 'APIVersion defines the versioned schema of this representation",
      '      of an object. Servers should convert it: more',
      "      information'",
      '      type: string',
      '    kind:',
      '      description: "Kind is a string value representing',
      '    the REST resource"',
      '',
    ].join('\n'),
    values: [
      {
        spec: {
          properties: {
            apiVersion: {
              description:
                'APIVersion defines the versioned schema of this representation of an object. Servers should convert it: more information',
              type: 'string',
            },
            kind: { description: 'Kind is a string value representing the REST resource' },
          },
        },
      },
    ],
  },
  {
    name: 'block scalars and multi-line plain scalars are text',
    yaml: 'a: |\n  yes\n  0777\nb: >\n  on\n  off\nc: one\n  two\n',
    values: [{ a: 'yes\n0777\n', b: 'on off\n', c: 'one two' }],
  },
  {
    name: 'documents split at --- lines; a comment may follow ---, empty documents are skipped',
    yaml: '---\na: 1\n--- # second\nb: 2\n---\n---\n# only a comment\n---\nc: 3\n',
    values: [{ a: 1 }, { b: 2 }, { c: 3 }],
  },
  {
    name: 'text after --- on the same line is refused, as kubectl refuses it',
    yaml: 'a: 1\n--- {b: 2}\n',
    error: /line 2: invalid document separator "--- \{b: 2\}"/,
  },
  {
    name: '.nan is not a value JSON can carry',
    yaml: 'a: 1\nv: .nan\n',
    error: /line 2: ".nan" is not a number JSON can carry/,
  },
  {
    name: '-.inf neither',
    yaml: 'v: [1, -.inf]\n',
    error: /"-\.inf" is not a number JSON can carry/,
  },
  {
    name: 'a null map key',
    yaml: 'a: 1\n~: 2\n',
    error: /line 2: the map key "~" \(a null\) cannot be a JSON key/,
  },
  {
    name: 'a tag that does not fit its value',
    yaml: 'v: !!bool maybe\n',
    error: /cannot decode !!str "maybe" as a !!bool/,
  },
  {
    name: 'a file that is JSON',
    yaml: '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"on": "yes"}}',
    values: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { on: 'yes' } }],
  },
];
