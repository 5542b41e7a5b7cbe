import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { MAX_TIMER_MS, systemClock, timerDelayMs } from './clock.js';

test('a timer due later than Node can count does not fire at once (it used to after 1 ms)', async () => {
  let fired = 0;
  const timer = systemClock.setTimer(() => fired++, 40_000 * 60_000); // analysis.interval 40000m
  await sleep(100);
  timer.cancel();
  assert.equal(fired, 0);
});

test('timer delays are clamped to what Node honours', () => {
  assert.equal(timerDelayMs(1500), 1500);
  assert.equal(timerDelayMs(-5), 0);
  assert.equal(timerDelayMs(Number.NaN), 0);
  assert.equal(timerDelayMs(Number.POSITIVE_INFINITY), MAX_TIMER_MS);
  assert.equal(timerDelayMs(2 ** 40), MAX_TIMER_MS);
});
