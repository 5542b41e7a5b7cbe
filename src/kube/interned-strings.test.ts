import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StringTable } from './interned-strings.js';

function deployment(name: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: `rv-${name}`, labels: { app: name } },
    spec: {
      template: {
        spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/app:1.0.0', args: ['--port', '8080'] }] },
      },
    },
    status: {
      conditions: [{ type: 'Available', reason: 'MinimumReplicasAvailable', lastTransitionTime: `t-${name}` }],
    },
  };
}

test('every value is kept and frozen all the way down; each repeated one enters the table once', () => {
  const table = new StringTable();
  const objects = ['a', 'b', 'c'].map(deployment);
  const before = structuredClone(objects);
  for (const o of objects) table.freezeInterned(o);
  assert.deepEqual(objects, before);
  for (const o of objects) {
    assert.ok(Object.isFrozen(o) && Object.isFrozen(o.metadata.labels), 'frozen');
    assert.ok(Object.isFrozen(o.spec.template.spec.containers[0]?.args), 'down to the arrays');
  }
  // apps/v1, Deployment, shop, app, the image, --port, 8080, Available, MinimumReplicasAvailable; a, b, c
  assert.equal(table.size, 9 + 3);
});

test('uids and resourceVersions stay out of the tables (they would only fill them); timestamps have their own', () => {
  const table = new StringTable();
  table.freezeInterned({ metadata: { uid: 'u1', resourceVersion: '42', creationTimestamp: '2026-12-04T00:00:00Z' } });
  table.freezeInterned({
    metadata: { uid: 'u2', resourceVersion: '43', creationTimestamp: '2026-12-04T00:00:00Z' },
    status: { conditions: [{ lastTransitionTime: '2026-12-04T00:00:01Z' }], lastAnalysis: { time: 't' } },
  });
  assert.equal(table.size, 0);
  assert.equal(table.timesSize, 3, 'two seconds and `t`, each once');
});

test('the timestamps’ table starts afresh once full, leaving the other alone', () => {
  const table = new StringTable(100, 2);
  table.freezeInterned({ kind: 'Pod', metadata: { creationTimestamp: '2026-12-04T00:00:00Z' } });
  for (const second of ['01', '02', '03'])
    table.freezeInterned({ metadata: { creationTimestamp: `2026-12-04T00:00:${second}Z` } });
  assert.ok(table.timesSize <= 2, `timesSize ${table.timesSize}`);
  assert.equal(table.size, 1, 'Pod is still there');
});

test('the table starts afresh once full, and long strings never enter it', () => {
  const table = new StringTable(3);
  for (const value of ['a', 'b', 'c', 'd', 'e']) assert.equal(table.intern(value), value);
  assert.ok(table.size <= 3, `size ${table.size}`);
  const long = 'x'.repeat(201);
  assert.equal(table.intern(long), long);
  assert.ok(table.size <= 3);
});

test('frozen parts (shared with the cached version) are not walked again', () => {
  const table = new StringTable();
  const shared = Object.freeze({ note: 'already interned' });
  table.freezeInterned({ spec: shared, kind: 'Canary' });
  assert.equal(table.size, 1);
});

test('an object 100,000 levels deep is walked without overflowing the stack', () => {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 0; i < 100_000; i++) node = node.a = { name: `level` };
  const table = new StringTable();
  table.freezeInterned(root);
  assert.equal(table.size, 1);
  assert.ok(Object.isFrozen(node), 'the innermost level too');
});
