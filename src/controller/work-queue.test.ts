import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from './work-queue.js';

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

test('a key is never processed twice at once; a change during processing runs it once more afterwards', async () => {
  const gate = deferred();
  const runs: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const queue = new WorkQueue(
    async (key) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs.push(key);
      if (runs.length === 1) await gate.promise;
      concurrent--;
    },
    () => assert.fail('no errors expected'),
  );
  queue.add('shop/account');
  queue.add('shop/account'); // in flight: remembered
  queue.add('shop/account'); // still in flight: merged with the previous one
  gate.release();
  await queue.idle();
  assert.deepEqual(runs, ['shop/account', 'shop/account']);
  assert.equal(maxConcurrent, 1);
});

test('different keys run side by side up to the concurrency', async () => {
  const gate = deferred();
  let running = 0;
  let peak = 0;
  const queue = new WorkQueue(
    async () => {
      running++;
      peak = Math.max(peak, running);
      await gate.promise;
      running--;
    },
    () => undefined,
    { concurrency: 2 },
  );
  for (const k of ['a', 'b', 'c']) queue.add(k);
  await new Promise((r) => setImmediate(r));
  assert.equal(peak, 2);
  gate.release();
  await queue.idle();
});

test('a failing key comes back after a backoff that doubles', async () => {
  const delays: number[] = [];
  const timers: (() => void)[] = [];
  let attempts = 0;
  const queue = new WorkQueue(
    () => {
      attempts++;
      return attempts < 3 ? Promise.reject(new Error('boom')) : Promise.resolve();
    },
    () => undefined,
    {
      backoff: { minMs: 100, maxMs: 1000 },
      setTimer: (fn, ms) => {
        delays.push(ms);
        timers.push(fn);
        return { cancel: () => undefined };
      },
    },
  );
  queue.add('k');
  await queue.idle();
  timers.shift()!();
  await queue.idle();
  timers.shift()!();
  await queue.idle();
  assert.equal(attempts, 3);
  assert.deepEqual(delays, [100, 200]);
});
