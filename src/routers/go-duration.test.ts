import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goDurationMillis } from './go-duration.js';

// The grammar itself (Go's time.ParseDuration) is tested in src/lib/duration.test.ts.
describe('App Mesh durations', () => {
  test('milliseconds truncate like Duration.Milliseconds() and drop negative or invalid input', () => {
    assert.equal(goDurationMillis('15s'), 15000);
    assert.equal(goDurationMillis('1m30s'), 90_000);
    assert.equal(goDurationMillis('1500us'), 1);
    assert.equal(goDurationMillis('0s'), 0);
    assert.equal(goDurationMillis('-1s'), undefined);
    assert.equal(goDurationMillis('15'), undefined);
    assert.equal(goDurationMillis(''), undefined);
    assert.equal(goDurationMillis(undefined), undefined);
  });
});
