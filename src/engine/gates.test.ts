import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanaryWebhook } from '../api/index.js';
import { fail, initializedFilm, pass, progressingFilm, seedSpec } from './film.test-support.js';

const gate = (type: NonNullable<CanaryWebhook['type']>, name: string, muteAlert = false): CanaryWebhook =>
  muteAlert ? { name, type, url: 'http://tester/gate', muteAlert } : { name, type, url: 'http://tester/gate' };

test('confirm-rollout keeps a new revision Waiting, scaled down, until the gate opens', () => {
  const film = initializedFilm(seedSpec({ webhooks: [gate('confirm-rollout', 'approve')] }));
  const closed = { gates: { 'confirm-rollout': [fail('approve', 'Forbidden')] } };
  const waiting = film.tick({ deploy: 'r2', ...closed });
  assert.deepEqual(waiting.needs, [{ kind: 'gate', gate: 'confirm-rollout' }]);
  assert.deepEqual(waiting.events, ['Warning: Halt account.shop advancement waiting for approval approve']);
  assert.deepEqual([waiting.phase, film.world.target], ['Waiting', 'zero']);
  assert.equal(film.world.alerts.at(-1), 'warn: Canary is waiting for approval.');
  const still = film.tick(closed);
  assert.deepEqual(
    [still.events, still.written],
    [[], undefined],
    'the warning and alert come once, on entering Waiting',
  );
  const open = film.tick();
  assert.deepEqual(open.events, [
    'Normal: Confirm-rollout check approve passed',
    'Normal: New revision detected! Scaling up account.shop',
  ]);
  assert.deepEqual([open.phase, film.world.target], ['Progressing', 'up']);
});

test('a muted confirm-rollout hook sends no alert', () => {
  const film = initializedFilm(seedSpec({ webhooks: [gate('confirm-rollout', 'approve', true)] }));
  const alerts = film.world.alerts.length;
  film.tick({ deploy: 'r2', gates: { 'confirm-rollout': [fail('approve', 'Forbidden')] } });
  assert.equal(film.world.alerts.length, alerts);
});

test('confirm-traffic-increase holds the weight each tick it says no, without counting a failed check', () => {
  const film = progressingFilm(seedSpec({ webhooks: [gate('confirm-traffic-increase', 'more')] }));
  const closed = film.tick({ gates: { 'confirm-traffic-increase': [fail('more', 'Forbidden')] } });
  assert.deepEqual(closed.events, [
    'Normal: Starting canary analysis for account.shop',
    'Warning: Halt account.shop advancement waiting for traffic increase approval more',
  ]);
  assert.deepEqual([closed.weights, closed.written], ['100/0', undefined]);
  assert.equal(film.world.alerts.at(-1), 'warn: Canary traffic increase is waiting for approval.');
  const open = film.tick();
  assert.deepEqual(open.events.slice(-2), [
    'Normal: Confirm-traffic-increase check more passed',
    'Normal: Advance account.shop canary weight 20',
  ]);
});

test('confirm-promotion enters WaitingPromotion once, keeps analysing, and promotes when it opens', () => {
  const film = progressingFilm(seedSpec({ stepWeight: 40, webhooks: [gate('confirm-promotion', 'ship-it')] }));
  film.play(2); // 40, 80
  const closed = { gates: { 'confirm-promotion': [fail('ship-it', 'Forbidden')] } };
  const waiting = film.tick(closed);
  assert.deepEqual(waiting.needs, [{ kind: 'analysis' }, { kind: 'gate', gate: 'confirm-promotion' }]);
  assert.deepEqual(waiting.events, ['Warning: Halt account.shop advancement waiting for promotion approval ship-it']);
  assert.deepEqual([waiting.phase, waiting.weights, film.status?.canaryWeight], ['WaitingPromotion', '20/80', 80]);
  assert.equal(film.world.alerts.at(-1), 'warn: Canary promotion is waiting for approval.');
  const still = film.tick(closed);
  assert.deepEqual(still.needs, [{ kind: 'analysis' }, { kind: 'gate', gate: 'confirm-promotion' }], 'still analysed');
  assert.deepEqual([still.events, still.written], [[], undefined]);
  const open = film.tick();
  assert.deepEqual(open.events, [
    'Normal: Confirm-promotion check ship-it passed',
    'Normal: Copying account.shop template spec to account-primary.shop',
  ]);
  assert.equal(open.phase, 'Promoting');
});

test('failed checks still roll back a canary waiting for promotion', () => {
  const film = progressingFilm(
    seedSpec({ stepWeight: 80, threshold: 1, webhooks: [gate('confirm-promotion', 'ship-it')] }),
  );
  film.tick(); // 80
  film.tick({ gates: { 'confirm-promotion': [fail('ship-it', 'Forbidden')] } });
  const failed = film.tick({ analysis: [fail('request-success-rate', 'success rate 1.00% < 99%')] });
  assert.deepEqual(failed.events, ['Warning: Halt account.shop advancement success rate 1.00% < 99%']);
  const rolledBack = film.tick();
  assert.equal(rolledBack.events[0], 'Warning: Rolling back account.shop failed checks threshold reached 1');
  assert.equal(rolledBack.phase, 'Failed');
});

test('gate hooks run in spec order and stop at the first refusal', () => {
  const film = initializedFilm(
    seedSpec({ webhooks: [gate('confirm-rollout', 'first'), gate('confirm-rollout', 'second')] }),
  );
  const frame = film.tick({
    deploy: 'r2',
    gates: { 'confirm-rollout': [pass('first'), fail('second', 'Forbidden')] },
  });
  assert.deepEqual(frame.events, [
    'Normal: Confirm-rollout check first passed',
    'Warning: Halt account.shop advancement waiting for approval second',
  ]);
});
