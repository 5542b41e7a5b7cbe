import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Semaphore } from './semaphore.js';

test('at most `limit` run at once, the rest in arrival order, and a failure frees its place', async () => {
  const semaphore = new Semaphore(2);
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const jobs = [0, 1, 2, 3, 4].map((i) =>
    semaphore
      .run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((done) => releases.push(done));
        running--;
        if (i === 1) throw new Error('job 1 fails');
        return i;
      })
      .catch((err: Error) => err.message),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1]);
  assert.equal(semaphore.queued, 3);
  while (releases.length > 0 || started.length < 5) {
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await Promise.all(jobs), [0, 'job 1 fails', 2, 3, 4]);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
  assert.equal(semaphore.active, 0);
});

test('a limit below 1 is refused', () => {
  assert.throws(() => new Semaphore(0), /limit 0 must be an integer ≥ 1/);
});
