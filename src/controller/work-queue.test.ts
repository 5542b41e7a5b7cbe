import assert from 'node:assert/strict';
import { test } from 'node:test';
import { urgentReserve, WorkQueue } from './work-queue.js';

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

/** A queue of one worker that records the keys it runs and holds `held` until `gate` is released. */
function oneWorkerHeldBy(held: string) {
  const gate = deferred();
  const runs: string[] = [];
  const queue = new WorkQueue(
    async (key) => {
      runs.push(key);
      if (key === held) await gate.promise;
    },
    () => assert.fail('no errors expected'),
    { concurrency: 1 },
  );
  return { queue, runs, gate };
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

test('urgent keys go before routine ones, and a routine key added as urgent moves up', async () => {
  const { queue, runs, gate } = oneWorkerHeldBy('first');
  queue.add('first', 'routine'); // takes the only worker
  for (const key of ['tick-1', 'tick-2', 'tick-3']) queue.add(key, 'routine');
  queue.add('new-revision'); // urgent by default: a change seen on a watch
  queue.add('tick-3', 'urgent'); // its primary became ready: moves ahead of the other ticks
  queue.add('tick-3', 'routine'); // its tick again: stays where it is
  gate.release();
  await queue.idle();
  assert.deepEqual(runs, ['first', 'new-revision', 'tick-3', 'tick-1', 'tick-2']);
});

test('a wave of changes lets a due tick through after every four of its keys', async () => {
  const { queue, runs, gate } = oneWorkerHeldBy('first');
  queue.add('first', 'urgent'); // takes the only worker
  for (let i = 1; i <= 6; i++) queue.add(`release-${i}`, 'urgent');
  queue.add('tick-a', 'routine');
  queue.add('tick-b', 'routine');
  gate.release();
  await queue.idle();
  assert.deepEqual(runs, [
    'first',
    'release-1',
    'release-2',
    'release-3',
    'release-4',
    'tick-a',
    'release-5',
    'release-6',
    'tick-b',
  ]);
});

test('a steady stream of changes never starves the routine lane', async () => {
  const runs: string[] = [];
  let changes = 0;
  const queue = new WorkQueue(
    async (key) => {
      runs.push(key);
      await Promise.resolve();
      // every change reconcile sees another change arrive (a Deployment's status churning)
      if (key.startsWith('change') && changes < 50) queue.add(`change-${++changes}`, 'urgent');
    },
    () => assert.fail('no errors expected'),
    { concurrency: 1 },
  );
  queue.add('change-0', 'urgent');
  for (const key of ['tick-1', 'tick-2', 'tick-3']) queue.add(key, 'routine');
  await queue.idle();
  const ticks = runs.flatMap((key, at) => (key.startsWith('tick') ? [at] : []));
  assert.deepEqual(ticks, [5, 10, 15], `ticks ran at ${ticks.join(', ')} of ${runs.length}`);
});

test('a key added while in flight runs again in the most urgent lane it was added to', async () => {
  const gate = deferred();
  const runs: string[] = [];
  const queue = new WorkQueue(
    async (key) => {
      runs.push(key);
      if (runs.length === 1) await gate.promise;
    },
    () => assert.fail('no errors expected'),
    { concurrency: 1 },
  );
  queue.add('a', 'routine');
  queue.add('b', 'routine');
  queue.add('a', 'urgent'); // in flight: runs again, urgent
  queue.add('a', 'routine'); // does not lower it
  gate.release();
  await queue.idle();
  assert.deepEqual(runs, ['a', 'a', 'b']);
});

test('ticks never hold the workers kept for changes: a new revision is taken at once during a wave', async () => {
  const gate = deferred();
  const running = new Set<string>();
  const done: string[] = [];
  const queue = new WorkQueue(
    async (key) => {
      running.add(key);
      if (key.startsWith('tick')) await gate.promise;
      running.delete(key);
      done.push(key);
    },
    () => assert.fail('no errors expected'),
    { concurrency: 8 },
  );
  for (let i = 1; i <= 20; i++) queue.add(`tick-${i}`, 'routine');
  await new Promise((r) => setImmediate(r));
  assert.equal(running.size, 7, 'seven ticks run, one worker is kept');
  queue.add('new-revision', 'urgent');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(done, ['new-revision'], 'it ran while every tick still held its worker');
  assert.equal(running.size, 7);
  gate.release();
  await queue.idle();
  assert.equal(done.length, 21);
});

test('one worker in eight is kept for changes, none of a single worker', () => {
  assert.deepEqual(
    [1, 2, 4, 16, 64].map((n) => urgentReserve(n)),
    [0, 1, 1, 2, 8],
  );
});

test('the routine lane starts with a few workers and doubles them each period; changes are never held back', async () => {
  const gate = deferred();
  const running = new Set<string>();
  const timers: { fn: () => void; ms: number }[] = [];
  const queue = new WorkQueue(
    async (key) => {
      running.add(key);
      await gate.promise;
    },
    () => assert.fail('no errors expected'),
    {
      concurrency: 16, // 14 routine workers, 2 kept for changes
      rampUp: { initial: 2, everyMs: 1000 },
      setTimer: (fn, ms) => {
        timers.push({ fn, ms });
        return { cancel: () => undefined };
      },
    },
  );
  const settle = () => new Promise((r) => setImmediate(r));
  for (let i = 0; i < 30; i++) queue.add(`first-pass/${i}`, 'routine');
  await settle();
  assert.equal(running.size, 2);
  queue.add('shop/new-revision'); // a change takes a worker at once
  await settle();
  assert.ok(running.has('shop/new-revision'));
  const routineRunning = () => [...running].filter((k) => k.startsWith('first-pass/')).length;
  const widths = [routineRunning()];
  while (timers.length > 0) {
    const timer = timers.shift();
    assert.equal(timer?.ms, 1000);
    timer?.fn();
    await settle();
    widths.push(routineRunning());
  }
  assert.deepEqual(widths, [2, 4, 8, 14]);
  gate.release();
  await queue.idle();
  assert.equal(running.size, 31);
});

test('without a ramp the routine lane has all its workers from the start', async () => {
  const gate = deferred();
  let running = 0;
  const queue = new WorkQueue(
    async () => {
      running++;
      await gate.promise;
    },
    () => assert.fail('no errors expected'),
    { concurrency: 16 },
  );
  for (let i = 0; i < 30; i++) queue.add(`first-pass/${i}`, 'routine');
  await new Promise((r) => setImmediate(r));
  assert.equal(running, 14);
  gate.release();
  await queue.idle();
});
