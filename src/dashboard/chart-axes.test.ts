import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clockTicks,
  measuredText,
  offsetTicks,
  stepDecimals,
  TIME_STEPS_S,
  VALUE_STEPS,
  valueTicks,
} from './ui/chart-axes.js';

/** Seconds since the epoch of a local wall-clock time (the axis reads the viewer's zone). */
const at = (day: number, h: number, m: number, s = 0): number => new Date(2026, 11, day, h, m, s).getTime() / 1000;

test('a live axis of a few seconds ticks whole seconds as HH:MM:SS, with no date line', () => {
  const ticks = [at(4, 16, 22, 29), at(4, 16, 22, 30), at(4, 16, 22, 31)];
  assert.deepEqual(clockTicks(ticks, 1, ticks[0]! - 0.5, ticks[2]! + 0.5), ['16:22:29', '16:22:30', '16:22:31']);
});

test('a live axis of minutes or hours reads HH:MM', () => {
  const ticks = [at(4, 13, 30), at(4, 14, 0), at(4, 14, 30)];
  assert.deepEqual(clockTicks(ticks, 1800, ticks[0]!, ticks[2]!), ['13:30', '14:00', '14:30']);
});

test('across midnight, the first tick and the first tick of the new day carry the date', () => {
  const ticks = [at(4, 23, 50), at(4, 23, 55), at(5, 0, 0), at(5, 0, 5)];
  assert.deepEqual(clockTicks(ticks, 300, ticks[0]!, ticks[3]!), ['23:50\nDec 4', '23:55', '00:00\nDec 5', '00:05']);
});

test('a report axis reads offsets from the start', () => {
  assert.deepEqual(offsetTicks([0, 30, 90, 3600, 5400]), ['+0s', '+30s', '+1m30s', '+1h', '+1h30m']);
});

test('time steps are whole seconds, minutes and hours; value steps are 1, 2 and 5 times a power of ten', () => {
  assert.ok(TIME_STEPS_S.every((s) => Number.isInteger(s)));
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600])
    assert.ok(TIME_STEPS_S.includes(s), `${s}`);
  assert.ok(VALUE_STEPS.includes(0.2) && VALUE_STEPS.includes(50) && !VALUE_STEPS.includes(2.5));
});

test('value ticks carry the decimals their step needs and the unit', () => {
  assert.equal(stepDecimals(5), 0);
  assert.equal(stepDecimals(0.2), 1);
  assert.equal(stepDecimals(0.05), 2);
  assert.deepEqual(valueTicks([99, 99.2, 99.4], 0.2, '%'), ['99.0%', '99.2%', '99.4%']);
  assert.deepEqual(valueTicks([0, 500, 1000, 1500], 500, 'ms'), ['0 ms', '500 ms', '1,000 ms', '1,500 ms']);
  assert.deepEqual(valueTicks([0, 0.5, 1], 0.5, ''), ['0.0', '0.5', '1.0']);
});

test('a measured value has at most two decimals, trailing zeros dropped', () => {
  assert.equal(measuredText(99.6, '%'), '99.6%');
  assert.equal(measuredText(99, '%'), '99%');
  assert.equal(measuredText(187.256, 'ms'), '187.26 ms');
  assert.equal(measuredText(0.012345, ''), '0.0123');
});
