import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { payload, post, startTester } from './loadtester.test-support.js';

describe("the load tester answers as Flagger's does", () => {
  test('/healthz is 200 OK and /metrics is Prometheus text with the load families', async (t) => {
    const tester = await startTester(t);
    const health = await fetch(`${tester.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'OK');
    const metrics = await fetch(`${tester.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = await metrics.text();
    for (const family of [
      'serin_loadtester_requests_total',
      'serin_loadtester_request_errors_total',
      'serin_loadtester_request_duration_seconds',
    ]) {
      assert.match(text, new RegExp(`# TYPE ${family} `));
    }
  });

  test('a gate is closed until opened, per canary name and namespace; close shuts it again', async (t) => {
    const tester = await startTester(t);
    const account = { name: 'account', namespace: 'shop' };
    assert.deepEqual(await post(tester, '/gate/check', payload()), { status: 403, text: 'Forbidden' });
    assert.deepEqual(await post(tester, '/gate/open', account), { status: 202, text: '' });
    assert.deepEqual(await post(tester, '/gate/check', payload()), { status: 200, text: 'Approved' });
    const other = payload(undefined, { name: 'account', namespace: 'billing' });
    assert.deepEqual(await post(tester, '/gate/check', other), { status: 403, text: 'Forbidden' }, 'another namespace');
    assert.deepEqual(await post(tester, '/gate/close', account), { status: 202, text: '' });
    assert.deepEqual(await post(tester, '/gate/check', payload()), { status: 403, text: 'Forbidden' });
  });

  test('the rollback gate is separate from the promotion gate', async (t) => {
    const tester = await startTester(t);
    await post(tester, '/gate/open', { name: 'account', namespace: 'shop' });
    assert.equal(
      (await post(tester, '/rollback/check', payload())).status,
      403,
      'the promotion gate does not roll back',
    );
    assert.equal((await post(tester, '/rollback/open', { name: 'account', namespace: 'shop' })).status, 202);
    assert.deepEqual(await post(tester, '/rollback/check', payload()), { status: 200, text: 'Approved' });
    assert.equal((await post(tester, '/rollback/close', { name: 'account', namespace: 'shop' })).status, 202);
    assert.equal((await post(tester, '/rollback/check', payload())).status, 403);
    assert.equal((await post(tester, '/gate/check', payload())).status, 200, 'the promotion gate stayed open');
  });

  test('/gate/approve always approves and /gate/halt always forbids, whatever the body', async (t) => {
    const tester = await startTester(t);
    assert.deepEqual(await post(tester, '/gate/approve', 'not json'), { status: 200, text: 'Approved' });
    assert.deepEqual(await post(tester, '/gate/halt', payload()), { status: 403, text: 'Forbidden' });
  });

  test('opening a gate without name or namespace is a 400 saying what the body needs', async (t) => {
    const tester = await startTester(t);
    const answer = await post(tester, '/gate/open', { name: 'account' });
    assert.equal(answer.status, 400);
    assert.match(answer.text, /"name" and "namespace"/);
    assert.match(answer.text, /\{"name":"account","namespace":"shop"\}/);
  });

  test("a payload without metadata, or metadata without cmd, gets Flagger's 400 texts", async (t) => {
    const tester = await startTester(t);
    assert.deepEqual(await post(tester, '/', payload()), { status: 400, text: 'metadata not found in payload' });
    assert.deepEqual(await post(tester, '/', payload({ type: 'cmd' })), {
      status: 400,
      text: 'cmd not found in metadata',
    });
  });

  test('an unknown metadata.type is a 400 naming the type and the types served', async (t) => {
    const tester = await startTester(t);
    const answer = await post(tester, '/', payload({ type: 'ngrinder', cmd: 'x' }));
    assert.equal(answer.status, 400);
    assert.equal(answer.text, 'unknown task type "ngrinder": set metadata.type to cmd (the default) or bash');
  });

  test('a body that is not JSON, or has a field of the wrong type, is a 400 naming the problem', async (t) => {
    const tester = await startTester(t);
    const notJson = await post(tester, '/', '{"name": ');
    assert.equal(notJson.status, 400);
    assert.match(notJson.text, /the body is not JSON/);
    const badField = await post(tester, '/', { name: 'account', metadata: { cmd: 42 } });
    assert.equal(badField.status, 400);
    assert.match(badField.text, /metadata\[cmd\]: must be string, got integer 42/);
  });

  test('a body over --max-body-bytes is a 413 naming the flag', async (t) => {
    const tester = await startTester(t, { maxBodyBytes: '2048' });
    const answer = await post(tester, '/', payload({ cmd: 'x'.repeat(4096) }));
    assert.equal(answer.status, 413);
    assert.match(answer.text, /over 2048 bytes.*--max-body-bytes/);
  });

  test('--namespace-regexp refuses payloads from other namespaces with 403 on every payload route', async (t) => {
    const tester = await startTester(t, { namespaceRegexp: '^shop$' });
    await post(tester, '/gate/open', { name: 'account', namespace: 'shop' });
    assert.equal((await post(tester, '/gate/check', payload())).status, 200);
    const outside = payload({ cmd: 'hey http://127.0.0.1:9/' }, { name: 'account', namespace: 'shop-dev' });
    assert.deepEqual(await post(tester, '/gate/check', outside), { status: 403, text: 'Forbidden' });
    assert.deepEqual(await post(tester, '/', outside), { status: 403, text: 'Forbidden' });
  });
});
