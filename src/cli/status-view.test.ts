import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import { lastEvents, renderStatus, statusRows, type EventView } from './status-view.js';

function canary(analysis: Record<string, unknown>, status: Record<string, unknown> = {}, suspend = false): Canary {
  return {
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account-app' },
      ...(suspend ? { suspend } : {}),
      analysis: { interval: '1m', ...analysis },
    },
    status,
  } as unknown as Canary;
}

function event(message: string, lastTimestamp: string, resourceVersion: string, type = 'Normal'): EventView {
  return {
    involvedObject: { name: 'account', namespace: 'shop' },
    type,
    message,
    lastTimestamp,
    metadata: { resourceVersion },
  };
}

test('failed checks are counted out of the threshold the engine uses: 0, negative or unset mean 1', () => {
  const failed = (analysis: Record<string, unknown>) =>
    statusRows([canary(analysis, { phase: 'Progressing', failedChecks: 1 })], [])[0]?.failedChecks;
  assert.equal(failed({ threshold: 0, stepWeight: 10 }), '1/1');
  assert.equal(failed({ threshold: -3, stepWeight: 10 }), '1/1');
  assert.equal(failed({ stepWeight: 10 }), '1/1');
  assert.equal(failed({ threshold: 5, stepWeight: 10 }), '1/5');
});

test("progress runs up to the engine's promotion weight: the last step of a ladder, maxWeight, else 100", () => {
  const row = (analysis: Record<string, unknown>, canaryWeight: number) =>
    statusRows([canary(analysis, { phase: 'Progressing', canaryWeight })], [])[0];
  assert.deepEqual(
    {
      max: row({ stepWeights: [10, 20, 40] }, 20)?.maxWeight,
      progress: row({ stepWeights: [10, 20, 40] }, 20)?.progress,
    },
    { max: 40, progress: '█████░░░░░ 20/40%' },
  );
  assert.equal(row({ stepWeight: 10, maxWeight: 50 }, 50)?.progress, '██████████ 50/50%');
  assert.equal(row({ stepWeight: 10 }, 0)?.progress, '░░░░░░░░░░ 0/100%');
});

test('a canary without status is Pending; a suspended one says so; a failed reconcile outranks the last event', () => {
  assert.equal(statusRows([canary({ threshold: 2 })], [])[0]?.phase, 'Pending');
  assert.equal(statusRows([canary({}, { phase: 'Progressing' }, true)], [])[0]?.phase, 'Progressing (suspended)');
  const broken = canary(
    {},
    {
      phase: 'Failed',
      conditions: [{ type: 'Reconciled', status: 'False', message: 'analysis.stepWeight 150 must be 1..100' }],
    },
  );
  const events = [event('Advance account.shop canary weight 10', '2025-01-01T00:00:00Z', '5', 'Normal')];
  assert.equal(statusRows([broken], events)[0]?.lastEvent, 'analysis.stepWeight 150 must be 1..100');
  assert.equal(
    statusRows([canary({})], [event('Halt', '2025-01-01T00:00:00Z', '1', 'Warning')])[0]?.lastEvent,
    '⚠ Halt',
  );
});

test('the last event is the newest by time, and by resourceVersion within one second', () => {
  const last = lastEvents([
    event('second', '2025-01-01T00:00:01Z', '7'),
    event('first', '2025-01-01T00:00:00Z', '9'),
    event('third', '2025-01-01T00:00:01Z', '10'),
  ]);
  assert.equal(last.get('shop/account')?.message, 'third');
});

test('the table fits the width by cutting the last event, and says so when there is nothing to show', () => {
  assert.equal(renderStatus([]), 'No canaries found.');
  const rows = statusRows(
    [canary({ threshold: 0 }, { phase: 'Progressing', canaryWeight: 30, failedChecks: 0 })],
    [event('x'.repeat(200), '2025-01-01T00:00:00Z', '1')],
  );
  const lines = renderStatus(rows, 100).split('\n');
  assert.match(lines[0] ?? '', /^NAMESPACE\s+NAME\s+PHASE\s+WEIGHT\s+FAILED\s+PROGRESS\s+LAST EVENT$/);
  assert.match(lines[1] ?? '', /^shop\s+account\s+Progressing\s+30%\s+0\/1\s+███░░░░░░░ 30\/100%\s+x+…$/);
  assert.ok((lines[1]?.length ?? 0) <= 100, `line is ${lines[1]?.length} columns`);
});
