import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from './objects.js';
import { ObjectStore } from './object-store.js';

const obj = (namespace: string | undefined, name: string, rv = '1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, resourceVersion: rv, ...(namespace === undefined ? {} : { namespace }) },
});
const names = (objects: readonly KubeObject[]) =>
  objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('ObjectStore, the objects of one watch cache', () => {
  test('lists one namespace or all, sorted by key, whatever the order they came in', () => {
    const store = new ObjectStore();
    for (const o of [obj('b', 'z'), obj('a', 'y'), obj('b', 'a'), obj(undefined, 'node-1'), obj('a', 'b')])
      store.set(o);
    assert.deepEqual(names(store.list('b')), ['b/a', 'b/z']);
    assert.deepEqual(names(store.list('a')), ['a/b', 'a/y']);
    assert.deepEqual(names(store.list()), ['a/b', 'a/y', 'b/a', 'b/z', '/node-1'], 'a cluster-scoped key is its name');
    assert.deepEqual(store.list('none'), []);
  });

  test('a later list sees every set, replacement and delete since the one before', () => {
    const store = new ObjectStore();
    store.set(obj('a', 'x'));
    store.set(obj('a', 'y'));
    assert.deepEqual(names(store.list('a')), ['a/x', 'a/y']);
    assert.equal(store.list()[0]?.metadata.resourceVersion, '1');
    store.set(obj('a', 'x', '2'));
    store.delete('a/y');
    store.set(obj('a', 'w'));
    assert.deepEqual(names(store.list('a')), ['a/w', 'a/x']);
    assert.equal(store.get('a/x')?.metadata.resourceVersion, '2');
    assert.equal(store.list('a')[1]?.metadata.resourceVersion, '2', 'the replaced object, not the first one');
    assert.deepEqual(names(store.list()), ['a/w', 'a/x']);
    store.delete('a/w');
    store.delete('a/x');
    assert.deepEqual(store.list('a'), []);
    assert.equal(store.size, 0);
  });

  test('a caller that changes the array it got does not change the next list', () => {
    const store = new ObjectStore();
    store.set(obj('a', 'x'));
    store.set(obj('a', 'y'));
    const first = store.list('a');
    first.reverse().pop();
    assert.deepEqual(names(store.list('a')), ['a/x', 'a/y']);
  });
});
