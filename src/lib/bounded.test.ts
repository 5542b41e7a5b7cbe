import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bounded, MAX_MESSAGE_CHARS } from './bounded.js';

test('short text is quoted as it is', () => {
  assert.equal(bounded('deployment shop/account not found'), 'deployment shop/account not found');
});

test('long text is cut to the bound with an ellipsis that says how much is missing', () => {
  const text = `canary shop/${'a'.repeat(1_200_000)} is invalid`;
  const out = bounded(text);
  assert.equal(out.length, MAX_MESSAGE_CHARS);
  assert.ok(out.startsWith('canary shop/aaa'));
  assert.match(out, /… \(\d+ more characters\)$/);
});
