import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoDuration } from '../engine/index.js';
import { goDurationMillis } from './go-duration.js';

describe('Go durations', () => {
  test('parse the way time.ParseDuration does', () => {
    // In milliseconds.
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('15s'), 15e3);
    assert.equal(parseGoDuration('1m30s'), 90e3);
    assert.equal(parseGoDuration('1.5h'), 5400e3);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('3us'), 3e-3);
    assert.equal(parseGoDuration('3µs'), 3e-3);
    assert.equal(parseGoDuration('.5s'), 500);
    assert.equal(parseGoDuration('-2s'), -2e3);
  });

  test('refuse what Go refuses: bare numbers, days, missing digits, garbage', () => {
    for (const bad of ['', '15', '1d', 's', '.s', '1.2.3s', '5 s', 'abc', '-']) {
      assert.equal(parseGoDuration(bad), undefined, bad);
    }
  });

  test('milliseconds truncate like Duration.Milliseconds() and drop negative or invalid input', () => {
    assert.equal(goDurationMillis('15s'), 15000);
    assert.equal(goDurationMillis('1500us'), 1);
    assert.equal(goDurationMillis('-1s'), undefined);
    assert.equal(goDurationMillis('15'), undefined);
    assert.equal(goDurationMillis(undefined), undefined);
  });
});
