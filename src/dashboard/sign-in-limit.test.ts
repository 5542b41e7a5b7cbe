import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIGN_IN_FAILURES, SignInLimit } from './sign-in-limit.js';

test('ten refused tokens within a minute make an address wait until the oldest is a minute old', () => {
  let now = 0;
  const limit = new SignInLimit(() => now);
  for (let i = 0; i < SIGN_IN_FAILURES; i++) {
    assert.equal(limit.waitSeconds('10.0.0.1'), 0, `try ${i + 1} is reviewed`);
    limit.refused('10.0.0.1');
    now += 1_000;
  }
  assert.equal(limit.waitSeconds('10.0.0.1'), 50, 'the first refusal (t=0) leaves the window at t=60 s');
  assert.equal(limit.waitSeconds('10.0.0.2'), 0, 'another address is not held');
  now = 60_001;
  assert.equal(limit.waitSeconds('10.0.0.1'), 0, 'the oldest refusal has left the window');
  limit.refused('10.0.0.1');
  assert.equal(limit.waitSeconds('10.0.0.1'), 1, 'ten again within the window: held for the rest of it');
});

test('refusals spread over more than a minute never hold an address', () => {
  let now = 0;
  const limit = new SignInLimit(() => now);
  for (let i = 0; i < 100; i++) {
    assert.equal(limit.waitSeconds('10.0.0.1'), 0);
    limit.refused('10.0.0.1');
    now += 7_000;
  }
});
