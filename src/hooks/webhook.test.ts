import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { CanaryWebhook, WebhookPayload } from '../api/index.js';
import { callWebhook, hookTimeoutMs } from './webhook.js';

const PAYLOAD: WebhookPayload = { name: 'shop', namespace: 'test', phase: 'Progressing', checksum: 'abc' };
const SLOW_ANSWER_MS = 1500;

/** A receiver on loopback that answers 200 after `delayMs` and counts the requests it got. */
async function slowReceiver(delayMs: number): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    const timer = setTimeout(() => res.end('ok'), delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, requests: () => requests };
}

describe('webhook timeouts', () => {
  let receiver: Awaited<ReturnType<typeof slowReceiver>>;
  before(async () => {
    receiver = await slowReceiver(SLOW_ANSWER_MS);
  });
  after(async () => {
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  const hook = (timeout: string | undefined): CanaryWebhook => ({
    name: 'load-test',
    url: receiver.url,
    ...(timeout === undefined ? {} : { timeout }),
  });

  test('are read with Go’s grammar: 500ms, 1m30s, 1.5m; empty or one character means 10s', () => {
    assert.deepEqual(
      ['500ms', '1m30s', '1.5m', '30s', '', '5', undefined].map(hookTimeoutMs),
      [500, 90_000, 90_000, 30_000, 10_000, 10_000, 10_000],
    );
  });

  test('round a sub-millisecond timeout up and cap one beyond Node’s timer limit, so the timer stays valid', () => {
    assert.equal(hookTimeoutMs('500us'), 1);
    assert.equal(hookTimeoutMs('1000h'), 2 ** 31 - 1);
  });

  test('a value that is not a positive duration has no timeout', () => {
    assert.deepEqual(['5mx', '10', '0s', '-1s', '1d'].map(hookTimeoutMs), [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('a hook with timeout 500ms gives up on a slow receiver after half a second', async () => {
    const started = performance.now();
    const outcome = await callWebhook(hook('500ms'), PAYLOAD);
    const elapsed = performance.now() - started;
    assert.deepEqual(outcome, { ok: false, name: 'load-test', reason: 'no answer within 0.5s' });
    assert.ok(elapsed < 5000, `returned after ${Math.round(elapsed)} ms, not at the 10s default`);
  });

  test('a hook with timeout 1m30s waits for the slow receiver and passes', async () => {
    assert.deepEqual(await callWebhook(hook('1m30s'), PAYLOAD), { ok: true, name: 'load-test' });
  });

  test('a timeout below a millisecond or beyond 24 days is an outcome too, never a thrown RangeError', async () => {
    const [tiny, huge] = await Promise.all([callWebhook(hook('500us'), PAYLOAD), callWebhook(hook('1000h'), PAYLOAD)]);
    assert.deepEqual(tiny, { ok: false, name: 'load-test', reason: 'no answer within 0.001s' });
    assert.deepEqual(huge, { ok: true, name: 'load-test' });
  });

  test('a hook whose timeout is not a duration fails, naming the field and the fix, and sends nothing', async () => {
    const before = receiver.requests();
    assert.deepEqual(await callWebhook(hook('5mx'), PAYLOAD), {
      ok: false,
      name: 'load-test',
      reason: 'webhook "load-test": timeout "5mx" is not a duration like 500ms, 30s or 1m30s',
    });
    assert.deepEqual(await callWebhook(hook('0s'), PAYLOAD), {
      ok: false,
      name: 'load-test',
      reason: 'webhook "load-test": timeout "0s" must be longer than 0, like 500ms, 30s or 1m30s',
    });
    assert.equal(receiver.requests(), before);
  });

  test('quote at most 40 characters of a bad timeout', async () => {
    const outcome = await callWebhook(hook(`1m${'x'.repeat(100)}`), PAYLOAD);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.reason.includes(`"1m${'x'.repeat(35)}..."`), JSON.stringify(outcome));
  });
});
