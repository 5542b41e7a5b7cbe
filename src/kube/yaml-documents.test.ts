import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseManifests } from './apply.js';
import { CORPUS } from './yaml-corpus.test-support.js';
import { readYamlDocuments } from './yaml-documents.js';

/** The values of the documents that hold something, as JSON would carry them. */
function values(yaml: string): unknown[] {
  return readYamlDocuments(yaml)
    .map((doc) => {
      assert.equal(doc.error, undefined, `unexpected error: ${doc.error}`);
      return doc.value;
    })
    .filter((v) => v !== null && v !== undefined)
    .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
}

describe('manifests are read as kubectl reads them (YAML 1.1, go-yaml v2)', () => {
  for (const c of CORPUS) {
    test(c.name, () => {
      if (c.values) {
        assert.deepEqual(values(c.yaml), c.values);
        return;
      }
      const errors = readYamlDocuments(c.yaml).flatMap((d) => (d.error === undefined ? [] : [d.error]));
      assert.ok(
        errors.some((e) => c.error?.test(e)),
        `expected an error like ${String(c.error)}, got ${JSON.stringify(errors)}`,
      );
    });
  }

  test('an object 150 levels deep is refused with the field that goes too deep, not a stack overflow', () => {
    let yaml = 'spec:\n';
    for (let i = 1; i < 150; i++) yaml += `${'  '.repeat(i)}a:\n`;
    yaml += `${'  '.repeat(150)}b: 1\n`;
    const [doc] = readYamlDocuments(yaml);
    assert.match(
      doc?.error ?? '',
      /^spec\.a\.a\.a\.a\.a\.a\.a… \(\d+ levels more\): is nested more than 100 levels deep/,
    );
  });

  test('6,000 levels of flow nesting are refused in bounded time, whatever the parser’s stack', () => {
    const yaml = `spec:\n  trafficPolicy: ${'{a: '.repeat(6000)}1${'}'.repeat(6000)}\n`;
    const started = Date.now();
    const [doc] = readYamlDocuments(yaml);
    assert.match(doc?.error ?? '', /nested (too deeply|more than 100 levels)/);
    assert.ok(Date.now() - started < 10_000);
  });

  test('a JSON file nested 6,000 levels deep is refused the same way', () => {
    const json = `{"spec": ${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}}`;
    const [doc] = readYamlDocuments(json);
    assert.match(doc?.error ?? '', /^spec\.a\.a\.a\.a\.a\.a\.a… .*nested more than 100 levels/);
  });

  test('aliases that expand a document a million-fold are refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of [...'abcdefg'].map((c, i) => [c, 'bcdefgh'[i] ?? 'z'] as const)) {
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const [doc] = readYamlDocuments(lines.join('\n'));
    assert.match(doc?.error ?? '', /expands to more than 1000000 values through aliases/);
  });

  test('a key named __proto__ is data, not a prototype', () => {
    const [value] = values('__proto__: {polluted: yes}\n') as Record<string, unknown>[];
    assert.deepEqual(Object.keys(value ?? {}), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('parseManifests', () => {
  test('drops nulls as the API server stores them and names the document kubectl would refuse', () => {
    assert.deepEqual(parseManifests('kind: A\nspec: {webhooks: null, on: yes}\n---\n', 'f.yaml'), [
      { kind: 'A', spec: { true: true } },
    ]);
    assert.throws(
      () => parseManifests('a: 1\n---\nv: .nan\n', 'f.yaml'),
      /^Error: f\.yaml: document 2: line 3: "\.nan"/,
    );
  });
});
