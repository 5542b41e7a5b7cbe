import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandRefusal } from './commands.js';
import { deadline, fail, initializedFilm, progressingFilm, seedSpec, waiting } from './film.test-support.js';

const failing = { analysis: [fail('request-success-rate', 'success rate 98.70% < 99%')] };

/** The seed's canary rolled back after three failed checks (threshold 3). */
function failedFilm() {
  const film = progressingFilm();
  film.tick(); // weight 20
  film.play(3, failing);
  film.tick(); // rollback
  assert.equal(film.status?.phase, 'Failed');
  return film;
}

test('promote skips the remaining analysis and the promotion gate, then promotes as usual', () => {
  const film = progressingFilm(
    seedSpec({
      webhooks: [{ name: 'approve', type: 'confirm-promotion', url: 'http://gate.shop/' }],
    }),
  );
  film.tick(); // weight 20
  const promoted = film.tick({ command: 'promote' });
  assert.deepEqual(promoted.needs, [], 'no hook, no metric asked');
  assert.deepEqual(promoted.events, [
    'Normal: Promotion of account.shop requested (serin.dev/command=promote): skipping the remaining analysis',
    'Normal: Copying account.shop template spec to account-primary.shop',
  ]);
  assert.equal(promoted.phase, 'Promoting');
  assert.equal(film.world.primaryRevision, 'r2');
  assert.equal(film.tick().events.at(-1), 'Normal: Routing all traffic to primary');
  const done = film.tick();
  assert.deepEqual([done.phase, done.weights, film.world.target], ['Succeeded', '100/0', 'zero']);
});

test('promote never promotes a canary that is not ready', () => {
  const film = progressingFilm();
  film.tick();
  const reason =
    'canary deployment account.shop not ready: waiting for rollout to finish: 0 of 2 updated replicas are available';
  const frame = film.tick({ command: 'promote', canary: waiting(reason) });
  assert.deepEqual(frame.events, [
    `Warning: Ignoring serin.dev/command=promote on account.shop: ${reason}; a canary that is not ready is never promoted`,
  ]);
  assert.deepEqual([frame.phase, frame.weights, film.world.primaryRevision], ['Progressing', '80/20', 'r1']);
});

test('abort rolls back at once with its own event, whatever the checks say', () => {
  const film = progressingFilm();
  film.play(2); // weight 40
  const frame = film.tick({ command: 'abort' });
  assert.deepEqual(frame.needs, []);
  assert.deepEqual(frame.events, [
    'Warning: Rolling back account.shop aborted (serin.dev/command=abort)',
    'Warning: Canary failed! Scaling down account.shop',
  ]);
  assert.deepEqual(
    [frame.phase, frame.weights, film.world.target, film.world.primaryRevision],
    ['Failed', '100/0', 'zero', 'r1'],
  );
  assert.equal(film.tick().written, undefined, 'and it stays rolled back');
});

test('retry after a rollback analyses the same revision again under the current spec and promotes it', () => {
  const film = failedFilm();
  assert.equal(film.tick({ spec: seedSpec({ threshold: 5 }) }).written, undefined, 'a spec edit alone starts nothing');
  const retried = film.tick({ command: 'retry' });
  assert.deepEqual(retried.events, [
    'Normal: Retrying account.shop with the current Canary spec (serin.dev/command=retry): scaling up',
  ]);
  assert.deepEqual([retried.phase, retried.weights, film.world.target], ['Progressing', '100/0', 'up']);
  assert.deepEqual([film.status?.failedChecks, film.status?.iterations, film.status?.lastAppliedSpec], [0, 0, 'r2']);
  assert.equal(film.tick().events[0], 'Normal: Starting canary analysis for account.shop');
  film.play(4); // 20 → 80
  film.play(3); // promote, route to primary, finalise
  assert.equal(film.status?.phase, 'Succeeded');
  assert.equal(film.world.primaryRevision, 'r2');
});

test('retry during a run starts the analysis over at weight 0 with the failed checks cleared', () => {
  const film = progressingFilm();
  film.tick();
  film.play(2, failing);
  assert.equal(film.status?.failedChecks, 2);
  const frame = film.tick({ command: 'retry' });
  assert.deepEqual(frame.events, [
    'Normal: Restarting analysis of account.shop with the current Canary spec (serin.dev/command=retry)',
  ]);
  assert.deepEqual([frame.phase, frame.weights, film.status?.failedChecks], ['Progressing', '100/0', 0]);
});

test('a retry after the workload changed leaves the new revision to start its own run', () => {
  const film = failedFilm();
  const frame = film.tick({ command: 'retry', deploy: 'r3' });
  assert.match(frame.events[0] ?? '', /Ignoring serin\.dev\/command=retry on account\.shop: the workload changed/);
  assert.equal(film.tick().events[0], 'Normal: New revision detected! Scaling up account.shop');
});

test('a command that cannot apply says why and what to do instead, and changes nothing', () => {
  const film = initializedFilm();
  for (const command of ['promote', 'abort', 'retry'] as const) {
    const frame = film.tick({ command });
    assert.equal(frame.events.length, 1);
    assert.match(
      frame.events[0] ?? '',
      new RegExp(
        `^Warning: Ignoring serin.dev/command=${command} on account.shop: no release is under way \\(phase Initialized\\)`,
      ),
    );
    assert.deepEqual([frame.phase, frame.weights, frame.actions], ['Initialized', '100/0', []]);
  }
  assert.match(commandRefusal('abort', 'Promoting') ?? '', /revert the workload/);
  assert.match(commandRefusal('promote', 'Failed') ?? '', /serin retry/);
  assert.equal(commandRefusal('abort', 'Waiting'), undefined);
});

test('abort works while the canary never got ready (before its progress deadline)', () => {
  const film = progressingFilm();
  const notReady = deadline('canary deployment account.shop not ready: progress deadline exceeded');
  const frame = film.tick({ command: 'abort', canary: notReady });
  assert.equal(frame.phase, 'Failed');
  assert.equal(frame.events[0], 'Warning: Rolling back account.shop aborted (serin.dev/command=abort)');
});
