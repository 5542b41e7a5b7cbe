import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from './virtual-clock.js';

test('timers fire in time order, ties in the order they were set, cancelled ones never', async () => {
  const clock = new VirtualClock(0);
  const fired: string[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647);
  const expected: { at: number; seq: number; name: string }[] = [];
  for (let i = 0; i < 500; i++) {
    const at = next() % 50;
    const name = `t${i}`;
    const handle = clock.setTimer(() => fired.push(name), at);
    if (i % 7 === 3) handle.cancel();
    else expected.push({ at, seq: i, name });
  }
  // A timer set while firing runs in its turn.
  clock.setTimer(() => clock.setTimer(() => fired.push('late'), 5), 10);
  expected.push({ at: 15, seq: 1000, name: 'late' });
  expected.sort((a, b) => a.at - b.at || a.seq - b.seq);

  assert.equal(clock.nextAt(), expected[0]?.at);
  const count = await clock.advanceTo(100, () => Promise.resolve());
  assert.deepEqual(
    fired,
    expected.map((e) => e.name),
  );
  assert.equal(count, expected.length + 1, 'every live timer, and the one that set the late one');
  assert.equal(clock.now(), 100);
  assert.equal(clock.nextAt(), undefined);
});
