import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { metric, payload, post, startTarget, startTester, until } from './loadtester.test-support.js';

describe('hey and curl commands run in-process on the built-in generator', () => {
  test('hey -n 40 -c 4 as a bash task sends exactly 40 requests with its method, headers and body, and returns the summary', async (t) => {
    const tester = await startTester(t);
    const target = await startTarget(t);
    const cmd = `hey -n 40 -c 4 -m POST -H "X-Release: 2" -T application/json -d '{"a":1}' ${target.url}/orders`;
    const answer = await post(tester, '/', payload({ type: 'bash', cmd, returnCmdOutput: 'true' }));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(target.hits.length, 40);
    const hit = target.hits[0]!;
    assert.equal(hit.method, 'POST');
    assert.equal(hit.path, '/orders');
    assert.equal(hit.headers['x-release'], '2');
    assert.equal(hit.headers['content-type'], 'application/json');
    assert.equal(hit.body, '{"a":1}');
    assert.match(answer.text, /Requests\/sec:/);
    assert.match(answer.text, /\[200\]\t40 responses/);
    const host = new URL(target.url).host;
    assert.equal(await metric(tester, 'serin_loadtester_requests_total', { target: host }), 40);
    assert.equal(await metric(tester, 'serin_loadtester_request_duration_seconds_count', { target: host }), 40);
  });

  test('an unpaced run is spread over --load-threads threads, a paced one stays on one, and both send exactly -n', async (t) => {
    const tester = await startTester(t, { loadThreads: '2' });
    const target = await startTarget(t);
    await post(tester, '/', payload({ type: 'bash', cmd: `hey -n 100 -c 10 ${target.url}/` }));
    await post(tester, '/', payload({ type: 'bash', cmd: `hey -n 10 -c 10 -q 50 ${target.url}/` }));
    const runs = tester.logs.filter((l) => l.msg === 'load run started');
    assert.deepEqual(
      runs.map((l) => [l.workers, l.threads]),
      [
        [10, 2],
        [10, 1],
      ],
    );
    assert.equal(target.hits.length, 110);
    assert.equal(await metric(tester, 'serin_loadtester_requests_total', { target: new URL(target.url).host }), 110);

    const started = Date.now();
    const stopped = await post(
      tester,
      '/',
      payload({ type: 'bash', cmd: `hey -z 1m -c 4 ${target.url}/`, timeout: '1s' }),
    );
    assert.equal(stopped.status, 500, 'a threaded run stops at its timeout too');
    assert.match(stopped.text, /^command timed out after 1s and was stopped/);
    assert.ok(Date.now() - started < 6000);
  });

  test('a cmd task answers 202 at once and runs in the background; an identical one meanwhile is skipped', async (t) => {
    const tester = await startTester(t);
    const target = await startTarget(t);
    const cmd = `hey -z 1500ms -q 10 -c 2 ${target.url}/`;
    const started = Date.now();
    assert.deepEqual(await post(tester, '/', payload({ cmd })), { status: 202, text: '' });
    assert.ok(Date.now() - started < 1000, 'answered before the run ended');
    assert.deepEqual(await post(tester, '/', payload({ cmd })), { status: 202, text: '' });
    await until(
      'the run to end',
      async () => (await metric(tester, 'serin_loadtester_tasks_total', { outcome: 'succeeded' })) === 1,
    );
    assert.equal(await metric(tester, 'serin_loadtester_tasks_total', { kind: 'hey', outcome: 'skipped' }), 1);
    // 2 workers at 10 requests/s each for 1.5 s: about 30, never the 60 of two runs.
    assert.ok(target.hits.length >= 20 && target.hits.length <= 34, `sent ${target.hits.length}`);
  });

  test('a long run logs its progress every --progress-interval with requests sent, errors and rate', async (t) => {
    const tester = await startTester(t, { progressInterval: '400ms' });
    const target = await startTarget(t);
    const answer = await post(tester, '/', payload({ type: 'bash', cmd: `hey -z 1300ms -q 20 -c 2 ${target.url}/` }));
    assert.equal(answer.status, 200);
    const progress = tester.logs.filter((l) => l.msg === 'load progress');
    assert.ok(progress.length >= 2, `progress lines: ${progress.length}`);
    assert.ok((progress.at(-1)!.sent as number) > (progress[0]!.sent as number), 'the count grows');
    assert.equal(progress[0]!.canary, 'account.shop');
    assert.equal(typeof progress[0]!.rps, 'number');
    assert.equal(progress[0]!.errors, 0);
  });

  test('5xx answers and refused connections are counted as errors by kind', async (t) => {
    const tester = await startTester(t);
    const target = await startTarget(t, 503);
    await post(tester, '/', payload({ type: 'bash', cmd: `hey -n 10 -c 2 ${target.url}/` }));
    const host = new URL(target.url).host;
    assert.equal(await metric(tester, 'serin_loadtester_request_errors_total', { target: host, kind: 'status' }), 10);
    await post(tester, '/', payload({ type: 'bash', cmd: 'hey -n 4 -c 2 http://127.0.0.1:9/' }));
    assert.equal(
      await metric(tester, 'serin_loadtester_request_errors_total', { target: '127.0.0.1:9', kind: 'network' }),
      4,
    );
  });

  test("the seed's curl command runs in-process; returnCmdOutput gives curl's output", async (t) => {
    const tester = await startTester(t);
    const target = await startTarget(t);
    const cmd = `curl -X GET ${target.url}/v1/accounts/events`;
    const answer = await post(tester, '/', payload({ type: 'bash', cmd, returnCmdOutput: 'true' }));
    assert.deepEqual(answer, { status: 200, text: 'answer 1' });
    assert.equal(target.hits[0]!.path, '/v1/accounts/events');
    assert.equal(target.hits[0]!.method, 'GET');
  });

  test('curl fails as curl does: -f on a 500 is exit 22, a closed port is exit 7; the webhook gets 500 with the text', async (t) => {
    const tester = await startTester(t);
    const target = await startTarget(t, 500);
    const failing = await post(tester, '/', payload({ type: 'bash', cmd: `curl -sSf ${target.url}/` }));
    assert.equal(failing.status, 500);
    assert.equal(failing.text, 'curl exit code 22: curl: (22) The requested URL returned error: 500');
    const plain = await post(tester, '/', payload({ type: 'bash', cmd: `curl -s ${target.url}/` }));
    assert.equal(plain.status, 200, 'without -f a 500 is not a failure, as with curl');
    const refused = await post(tester, '/', payload({ type: 'bash', cmd: 'curl -S http://127.0.0.1:9/' }));
    assert.equal(refused.status, 500);
    assert.match(refused.text, /^curl exit code 7: curl: \(7\) request to 127\.0\.0\.1 port 9 failed: ECONNREFUSED/);
  });

  test('a target outside --allow-target is refused with 403 and a log line, and nothing is sent', async (t) => {
    const tester = await startTester(t, { allowTarget: ['cluster'] });
    const target = await startTarget(t);
    const answer = await post(tester, '/', payload({ cmd: `hey -n 5 -c 1 ${target.url}/` }));
    assert.equal(answer.status, 403);
    assert.match(answer.text, /target host "127\.0\.0\.1" is not allowed \(--allow-target cluster\)/);
    assert.ok(tester.logs.some((l) => l.msg === 'load target refused' && l.host === '127.0.0.1'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(target.hits.length, 0);
  });

  test('hey options that would read files or bypass the allow-list are 400s naming the option', async (t) => {
    const tester = await startTester(t);
    for (const [cmd, text] of [
      ['hey -D /etc/passwd http://127.0.0.1:9/', /hey -D reads a file/],
      ['hey -x proxy:3128 http://127.0.0.1:9/', /hey -x sends through a proxy/],
      ['hey -n 5 -c 10 http://127.0.0.1:9/', /hey -n 5 cannot be less than -c 10/],
      ['hey http://127.0.0.1:9/ -c 2', /hey takes one URL after the options/],
      ['hey -z forever http://127.0.0.1:9/', /hey -z "forever" is not a duration/],
      ['curl -o /tmp/out http://127.0.0.1:9/', /only -o \/dev\/null is allowed/],
    ] as const) {
      const answer = await post(tester, '/', payload({ cmd }));
      assert.equal(answer.status, 400, cmd);
      assert.match(answer.text, text);
      assert.match(answer.text, /^metadata\.cmd: /);
    }
  });

  test('a task longer than metadata.timeout is stopped and the webhook gets 500 saying so', async (t) => {
    const tester = await startTester(t);
    const target = await startTarget(t);
    const started = Date.now();
    const answer = await post(
      tester,
      '/',
      payload({ type: 'bash', cmd: `hey -z 1m -q 5 -c 1 ${target.url}/`, timeout: '700ms' }),
    );
    assert.equal(answer.status, 500);
    assert.match(answer.text, /^command timed out after 0\.7s and was stopped/);
    assert.ok(Date.now() - started < 5000);
    const bad = await post(tester, '/', payload({ cmd: 'hey http://127.0.0.1:9/', timeout: '2h' }));
    assert.equal(bad.status, 400);
    assert.match(bad.text, /metadata\.timeout 2h is longer than the load tester's --timeout \(3600s\)/);
  });
});
