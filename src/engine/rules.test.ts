import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPMESH_ROUTING, Film, progressingFilm, seedSpec } from './film.test-support.js';
import { haveConfigsChanged, hasSpecChanged } from './revision.js';
import { analysisIntervalMs, analysisThreshold, progressDeadlineSeconds } from './settings.js';
import { step } from './step.js';
import { maxWeightOf, nextStepWeight } from './weights.js';

test('the interval is parsed as a Go duration: empty or unparsable → 60s, below 10s → 10s', () => {
  const interval = (text: string | undefined) => analysisIntervalMs(seedSpec({ interval: text }));
  assert.deepEqual(
    ['30s', '1m30s', '1.5h', '', 'bogus', '2d', '5s', '500ms', '-1m', undefined].map(interval),
    [30_000, 90_000, 5_400_000, 60_000, 60_000, 60_000, 10_000, 10_000, 10_000, 60_000],
  );
  assert.equal(analysisIntervalMs(seedSpec({ interval: '1s' }), 500), 1000, 'the operator may lower the floor');
});

test('threshold ≤ 0 counts as 1; progressDeadlineSeconds defaults to 600', () => {
  assert.deepEqual(
    [0, -2, 3].map((threshold) => analysisThreshold(seedSpec({ threshold }))),
    [1, 1, 3],
  );
  assert.equal(analysisThreshold(seedSpec({ threshold: undefined })), 1);
  assert.equal(progressDeadlineSeconds(seedSpec()), 300);
  assert.equal(progressDeadlineSeconds({ ...seedSpec(), progressDeadlineSeconds: undefined } as never), 600);
});

test('maxWeight: the last rung of stepWeights (≤ 100), else maxWeight, else 100', () => {
  assert.equal(maxWeightOf(seedSpec({ stepWeights: [1, 10, 50, 80] })), 80);
  assert.equal(maxWeightOf(seedSpec({ maxWeight: undefined })), 100);
  assert.equal(maxWeightOf(seedSpec({ maxWeight: 0 })), 100);
  assert.equal(maxWeightOf(seedSpec({ maxWeight: 50 })), 50);
});

test('a ladder weight that is not on the ladder jumps to 100; stepWeight wins over stepWeights', () => {
  const ladder = seedSpec({ stepWeight: undefined, stepWeights: [5, 25, 60] });
  assert.deepEqual(
    [0, 5, 25, 30, 60, 100].map((w) => nextStepWeight(ladder, w)),
    [5, 20, 35, 70, 40, 1],
  );
  assert.equal(nextStepWeight(seedSpec({ stepWeight: 20, stepWeights: [5] }), 0), 20);
  assert.equal(nextStepWeight(seedSpec({ stepWeight: undefined }), 0), 0, 'no step configured: never advances');
});

test('revision rules: new hash equal to the promoted one is no change; configs compared by count and checksum', () => {
  const status = { lastAppliedSpec: 'r2', lastPromotedSpec: 'r1' };
  assert.equal(hasSpecChanged(status, { spec: 'r1' }), false);
  assert.equal(hasSpecChanged(status, { spec: 'r2' }), false);
  assert.equal(hasSpecChanged(status, { spec: 'r3' }), true);
  assert.equal(hasSpecChanged({}, { spec: 'r1' }), true);
  assert.equal(haveConfigsChanged(undefined, undefined), false, 'tracking off');
  assert.equal(haveConfigsChanged(undefined, {}), false);
  assert.equal(haveConfigsChanged(undefined, { 'secret/a': '1' }), true);
  assert.equal(haveConfigsChanged({ 'secret/a': '1' }, {}), true);
  assert.equal(haveConfigsChanged({ 'secret/a': '1' }, { 'secret/a': '2' }), true);
  assert.equal(haveConfigsChanged({ 'secret/a': '1' }, { 'secret/a': '1' }), false);
});

test('every write stamps lastTransitionTime; the Promoted condition keeps its transition time while its status holds', () => {
  const film = progressingFilm();
  const progressing = film.status?.conditions?.[0];
  assert.deepEqual([progressing?.reason, progressing?.status], ['Progressing', 'Unknown']);
  const stepped = film.tick();
  assert.equal(stepped.written?.lastTransitionTime, new Date(film.now - 30_000).toISOString());
  assert.deepEqual(
    stepped.written?.conditions,
    film.frames[1]?.written?.conditions,
    'weight writes leave the condition',
  );
  film.tick({ spec: seedSpec({ stepWeight: 80 }) }); // 100 > 80: next tick promotes
  const promoting = film.tick().written?.conditions?.[0];
  assert.equal(promoting?.reason, 'Promoting');
  assert.equal(promoting?.message, 'Canary analysis completed, starting primary rolling update.');
  assert.equal(promoting?.lastTransitionTime, progressing?.lastTransitionTime, 'Unknown → Unknown keeps the time');
  assert.notEqual(promoting?.lastUpdateTime, progressing?.lastUpdateTime);
  film.play(2);
  const succeeded = film.status?.conditions?.[0];
  assert.deepEqual(
    [succeeded?.status, succeeded?.message],
    ['True', 'Canary analysis completed successfully, promotion finished.'],
  );
  assert.notEqual(succeeded?.lastTransitionTime, progressing?.lastTransitionTime);
});

test('step is deterministic and asks for one answer at a time, in order', () => {
  const film = progressingFilm(
    seedSpec({
      webhooks: [
        { name: 'rb', type: 'rollback', url: 'http://t/' },
        { name: 'more', type: 'confirm-traffic-increase', url: 'http://t/' },
        { name: 'load', url: 'http://t/' },
      ],
    }),
  );
  film.tick();
  const frame = film.tick();
  assert.deepEqual(frame.needs, [
    { kind: 'rollback-hooks' },
    { kind: 'analysis' },
    { kind: 'gate', gate: 'confirm-traffic-increase' },
  ]);
  const input = {
    name: 'account',
    namespace: 'shop',
    spec: film.spec,
    status: film.status,
    now: film.now,
    observation: {
      revision: { spec: 'r2' },
      primary: { ready: true },
      canary: { ready: true },
      routes: { primary: 60, canary: 40, mirrored: false },
    },
    routing: APPMESH_ROUTING,
  } as const;
  assert.deepEqual(step(input), step(input));
});

test('a canary being deleted starts no run', () => {
  const film = new Film(seedSpec());
  film.tick();
  film.status = { ...film.status, phase: 'Terminating' };
  const frame = film.tick({ deploy: 'r2' });
  assert.deepEqual([frame.events, frame.actions, frame.written], [[], [], undefined]);
});
