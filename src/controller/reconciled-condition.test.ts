import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanaryStatus } from '../api/index.js';
import { readFileSync } from 'node:fs';
import { RECONCILED, ReconcileReason, withReconciledCondition } from './reconciled-condition.js';

const now = Date.parse('2026-11-26T10:00:00Z');
const problem = {
  reason: ReconcileReason.TargetNotReady,
  message: 'deployment shop/account not found; create the Deployment',
};

test('a canary that never had a problem gets no Reconciled condition and no write', () => {
  const status: CanaryStatus = { phase: 'Initialized' };
  assert.equal(withReconciledCondition(status, undefined, now), status);
});

test('a problem sets Reconciled=False with the message; the same problem again changes nothing', () => {
  const failed = withReconciledCondition({ phase: 'Initialized' }, problem, now);
  const c = failed?.conditions?.find((x) => x.type === RECONCILED);
  assert.equal(c?.status, 'False');
  assert.equal(c?.message, problem.message);
  assert.equal(withReconciledCondition(failed, problem, now + 1000), failed);
});

test('once fixed the condition turns True, even when the engine wrote a status without it', () => {
  const failed = withReconciledCondition({ phase: 'Initializing' }, problem, now);
  const fromEngine: CanaryStatus = {
    phase: 'Initialized',
    conditions: [{ type: 'Promoted', status: 'True', reason: 'Initialized' }],
  };
  const fixed = withReconciledCondition(fromEngine, undefined, now + 5000, failed);
  assert.deepEqual(
    fixed?.conditions?.map((x) => [x.type, x.status]),
    [
      ['Promoted', 'True'],
      [RECONCILED, 'True'],
    ],
  );
});

test('a healthy condition is carried over when the engine rewrites the conditions', () => {
  const healthy = withReconciledCondition(withReconciledCondition({}, problem, now), undefined, now + 1);
  const fromEngine: CanaryStatus = {
    phase: 'Progressing',
    conditions: [{ type: 'Promoted', status: 'Unknown', reason: 'Progressing' }],
  };
  const carried = withReconciledCondition(fromEngine, undefined, now + 2, healthy);
  assert.equal(carried?.conditions?.find((x) => x.type === RECONCILED)?.status, 'True');
});

test('every Reconciled reason is documented in docs/operator.md, and the docs list no other', () => {
  const doc = readFileSync(new URL('../../docs/operator.md', import.meta.url), 'utf8');
  const start = doc.indexOf('### Condition reasons');
  const next = doc.indexOf('\n## ', start);
  const section = doc.slice(start, next < 0 ? undefined : next);
  const documented = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), Object.values(ReconcileReason).sort());
});
