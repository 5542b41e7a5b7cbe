import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalEqual, canonicalJson, configChecksum, goMapJson, isSerinSpecHash, specHash } from './revision.js';

const template = {
  metadata: { labels: { app: 'account' } },
  spec: {
    containers: [
      { name: 'account', image: 'registry.example.com/shop/account:1.0.0', ports: [{ containerPort: 8180 }] },
    ],
  },
};

describe('canonicalJson', () => {
  test('sorts object keys recursively and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } }), '{"a":{"c":"x","d":[3,1]},"b":1}');
  });

  test('leaves out undefined and null members, as Kubernetes treats them as absent', () => {
    assert.equal(canonicalJson({ a: undefined, b: null, c: 0, d: false, e: '' }), '{"c":0,"d":false,"e":""}');
    assert.equal(canonicalJson([undefined, null]), '[null,null]');
  });

  test('refuses values JSON cannot hold', () => {
    assert.throws(() => canonicalJson({ n: Number.NaN }), /not a JSON number/);
    assert.throws(() => canonicalJson({ n: 1n }), /bigint is not JSON/);
  });
});

describe('canonicalEqual', () => {
  /** A small random JSON-ish value, with the nulls, undefineds and near-misses canonicalJson folds. */
  function randomValue(seed: { n: number }, depth: number): unknown {
    const r = () => (seed.n = (seed.n * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = Math.floor(r() * (depth > 2 ? 6 : 8));
    const scalars = [0, -0, 1, 'a', '1', true, false, null, undefined, ''];
    if (pick < 6) return scalars[Math.floor(r() * scalars.length)];
    if (pick === 6) return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(seed, depth + 1));
    const obj: Record<string, unknown> = {};
    for (const key of ['a', 'b', 'c'].filter(() => r() < 0.6)) obj[key] = randomValue(seed, depth + 1);
    return obj;
  }

  test('agrees with comparing canonicalJson strings on 20,000 random pairs', () => {
    const seed = { n: 7 };
    let equal = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = randomValue(seed, 0);
      const b = i % 3 === 0 ? structuredClone(a) : randomValue(seed, 0);
      const expected = canonicalJson(a) === canonicalJson(b);
      if (expected) equal++;
      assert.equal(canonicalEqual(a, b), expected, `${canonicalJson(a)} vs ${canonicalJson(b)}`);
    }
    assert.ok(equal > 5_000 && equal < 15_000, `both outcomes exercised (${equal} equal)`);
  });

  test('treats null and absent members alike, and refuses what JSON cannot hold', () => {
    assert.ok(canonicalEqual({ a: 1, b: null }, { a: 1 }));
    assert.ok(canonicalEqual([undefined], [null]));
    assert.ok(!canonicalEqual({ a: '1' }, { a: 1 }));
    assert.throws(() => canonicalEqual({ n: Number.NaN }, { n: 1 }), /not a JSON number/);
  });
});

describe('specHash (stored in lastAppliedSpec; the scheme must never change)', () => {
  test('is 16 hex digits and pinned to the documented scheme', () => {
    // = `printf '%s' '<canonical JSON>' | sha256sum | cut -c1-16`; a change here re-triggers every canary.
    const canonical =
      '{"metadata":{"labels":{"app":"account"}},"spec":{"containers":[{"image":"registry.example.com/shop/account:1.0.0","name":"account","ports":[{"containerPort":8180}]}]}}';
    assert.equal(canonicalJson(template), canonical);
    assert.equal(specHash(template), 'dbf8f5ea5af7c051');
    assert.ok(isSerinSpecHash(specHash(template)));
  });

  test('does not depend on the order in which fields were written', () => {
    const reordered = {
      spec: {
        containers: [
          { ports: [{ containerPort: 8180 }], image: 'registry.example.com/shop/account:1.0.0', name: 'account' },
        ],
      },
      metadata: { labels: { app: 'account' } },
    };
    assert.equal(specHash(reordered), specHash(template));
  });

  test('treats creationTimestamp: null in the template like an absent field', () => {
    const served = { ...template, metadata: { ...template.metadata, creationTimestamp: null } };
    assert.equal(specHash(served), specHash(template));
  });

  test('changes with the image', () => {
    const next = structuredClone(template);
    next.spec.containers[0]!.image = 'registry.example.com/shop/account:1.0.1';
    assert.notEqual(specHash(next), specHash(template));
  });

  test('tells Go Flagger hashes apart from Serin ones', () => {
    assert.equal(isSerinSpecHash('85d557f47b'), false);
  });
});

describe('configChecksum (Flagger-compatible, reference values from Go encoding/json)', () => {
  test('matches Go for a properties file', () => {
    const data = { 'application.properties': 'server.port=8180\naccount.events.enabled=true\n' };
    assert.equal(configChecksum(data), '2a8595afea58a342');
  });

  test('matches Go for absent data (null)', () => {
    assert.equal(configChecksum(undefined), '74234e98afe7498f');
  });

  test('escapes HTML characters, line separators and control characters as Go does', () => {
    const data = { b: '<a href="x">&amp;</a>', a: 'tab\there\u2028\u0001\b\f\r é ☃ 😀' };
    assert.equal(
      goMapJson(data),
      '{"a":"tab\\there\\u2028\\u0001\\b\\f\\r é ☃ 😀","b":"\\u003ca href=\\"x\\"\\u003e\\u0026amp;\\u003c/a\\u003e"}',
    );
    assert.equal(configChecksum(data), '94dae30df56de97c');
  });

  test('matches Go for Secret data given as the base64 the API server sends', () => {
    assert.equal(configChecksum({ user: 'YWRtaW4=', password: 'czNjcjN0' }), '0b66b4a1026df054');
  });

  test('counts binaryData only when present, so plain ConfigMaps keep Flagger checksums', () => {
    const data = { a: '1' };
    assert.equal(configChecksum(data, {}), configChecksum(data));
    assert.notEqual(configChecksum(data, { bin: 'AAE=' }), configChecksum(data));
  });
});
