import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Film, initializedFilm, progressingFilm, seedSpec, waiting } from './film.test-support.js';
import { suspendedMessage } from './messages.js';

test("the seed's canary initializes, steps 20/40/60/80, promotes and succeeds, with Flagger's events", () => {
  const film = new Film(seedSpec());
  const init = film.tick();
  assert.deepEqual(init.events, ['Normal: Initialization done! account.shop']);
  assert.deepEqual(init.actions, [
    { kind: 'scale-target', to: 'zero' },
    {
      kind: 'alert',
      severity: 'info',
      message: 'New Deployment detected, initialization completed.',
      withMetadata: true,
    },
  ]);
  assert.equal(init.phase, 'Initialized');
  assert.equal(film.status?.lastPromotedSpec, 'r1');

  const idle = film.tick();
  assert.deepEqual([idle.events, idle.actions, idle.written], [[], [], undefined]);

  const detected = film.tick({ deploy: 'r2' });
  assert.deepEqual(detected.events, ['Normal: New revision detected! Scaling up account.shop']);
  assert.equal(detected.phase, 'Progressing');
  assert.equal(film.world.target, 'up');
  assert.deepEqual(film.world.alerts.at(-1), 'info: New revision detected, progressing canary analysis.');

  const first = film.tick();
  assert.deepEqual(first.needs, [], 'no pre-rollout hooks, so nothing to ask on the first tick');
  assert.deepEqual(first.events, [
    'Normal: Starting canary analysis for account.shop',
    'Normal: Advance account.shop canary weight 20',
  ]);
  const steps = film.play(3);
  assert.deepEqual(
    steps.map((frame) => [frame.needs.map((need) => need.kind), frame.events, frame.weights]),
    [
      [['analysis'], ['Normal: Advance account.shop canary weight 40'], '60/40'],
      [['analysis'], ['Normal: Advance account.shop canary weight 60'], '40/60'],
      [['analysis'], ['Normal: Advance account.shop canary weight 80'], '20/80'],
    ],
  );
  const promote = film.tick();
  assert.deepEqual(promote.events, ['Normal: Copying account.shop template spec to account-primary.shop']);
  assert.deepEqual([promote.phase, film.status?.canaryWeight, film.world.primaryRevision], ['Promoting', 80, 'r2']);

  const routeBack = film.tick();
  assert.deepEqual(routeBack.events, ['Normal: Routing all traffic to primary']);
  assert.deepEqual([routeBack.phase, routeBack.weights, film.world.scalerSyncs], ['Finalising', '100/0', 1]);

  const done = film.tick();
  assert.deepEqual(done.events, ['Normal: Promotion completed! Scaling down account.shop']);
  assert.equal(done.phase, 'Succeeded');
  assert.deepEqual([film.world.target, film.world.postRollouts], ['zero', ['Succeeded']]);
  assert.equal(film.world.alerts.at(-1), 'info: Canary analysis completed successfully, promotion finished.');
  assert.deepEqual(
    [film.status?.lastAppliedSpec, film.status?.lastPromotedSpec, film.status?.canaryWeight, film.status?.iterations],
    ['r2', 'r2', 0, 0],
  );
  assert.equal(film.tick().written, undefined, 'a succeeded canary with no new revision is idle');
});

test('a stepWeights ladder [1, 10, 50, 80] steps rung by rung, then promotes at its last rung', () => {
  const film = progressingFilm(seedSpec({ stepWeight: undefined, maxWeight: undefined, stepWeights: [1, 10, 50, 80] }));
  const frames = film.play(5);
  assert.deepEqual(
    frames.map((frame) => frame.weights),
    ['99/1', '90/10', '50/50', '20/80', '20/80'],
  );
  assert.equal(frames[4]?.phase, 'Promoting');
});

test('a ladder [1, 2, 10, 80] moves the primary 100, 99, 98, 90, 20 (Flagger unit case)', () => {
  const film = progressingFilm(seedSpec({ stepWeight: undefined, maxWeight: undefined, stepWeights: [1, 2, 10, 80] }));
  const primaries = [film.world.routes.primary, ...film.play(4).map((frame) => Number(frame.weights.split('/')[0]))];
  assert.deepEqual(primaries, [100, 99, 98, 90, 20]);
});

test('stepWeight 20 with maxWeight 50 stops at 50 and then promotes (Flagger overshoots to 60)', () => {
  const film = progressingFilm(seedSpec({ maxWeight: 50 }));
  const frames = film.play(4);
  assert.deepEqual(
    frames.map((frame) => [frame.weights, frame.phase]),
    [
      ['80/20', 'Progressing'],
      ['60/40', 'Progressing'],
      ['50/50', 'Progressing'],
      ['50/50', 'Promoting'],
    ],
  );
});

test('mirror does one mirrored step at weight 0 before shifting traffic', () => {
  const film = progressingFilm(seedSpec({ mirror: true }));
  const [mirrored, shifted] = film.play(2);
  assert.deepEqual(mirrored?.events, [
    'Normal: Starting canary analysis for account.shop',
    'Normal: Advance account.shop canary weight 0',
  ]);
  assert.equal(mirrored?.weights, '100/0 mirrored');
  assert.deepEqual(shifted?.needs, [{ kind: 'analysis' }], 'the mirrored tick is analysed, not pre-rolled');
  assert.equal(shifted?.weights, '80/20');
});

test('stepWeightPromotion 50 moves traffic back in halves (Flagger unit case phases)', () => {
  const film = initializedFilm(seedSpec({ stepWeight: 100, maxWeight: undefined, stepWeightPromotion: 50 }));
  const frames = [film.tick({ deploy: 'r2' }), ...film.play(5)];
  assert.deepEqual(
    frames.map((frame) => `${frame.phase} ${frame.weights}`),
    [
      'Progressing 100/0',
      'Progressing 0/100',
      'Promoting 0/100',
      'Promoting 50/50',
      'Finalising 100/0',
      'Succeeded 100/0',
    ],
  );
  assert.deepEqual(frames[3]?.events, ['Normal: Advance account.shop primary weight 50']);
  assert.deepEqual(frames[4]?.events, ['Normal: Advance account.shop primary weight 100']);
  assert.deepEqual(
    frames.map((frame) => frame.written?.canaryWeight),
    [0, 100, 100, 50, 0, 0],
  );
});

test('Promoting with stepWeightPromotion and no canary weight left finishes instead of sticking (Flagger bug)', () => {
  // A/B: the router reports the unmatched route, which never leaves the primary.
  const spec = seedSpec({
    stepWeight: undefined,
    maxWeight: undefined,
    iterations: 1,
    stepWeightPromotion: 30,
    match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
  });
  const film = progressingFilm(spec, { routesOf: () => ({ primary: 100, canary: 0, mirrored: false }) });
  const phases = film.play(5).map((frame) => frame.phase);
  assert.deepEqual(phases, ['Progressing', 'Promoting', 'Finalising', 'Succeeded', 'Succeeded']);
  assert.deepEqual(film.frames[4]?.events, ['Normal: Routing all traffic to primary']);
});

test('skipAnalysis promotes a ready canary at once, with post-rollout hooks and the skip texts', () => {
  const film = initializedFilm(seedSpec({}, { skipAnalysis: true }));
  film.tick({ deploy: 'r2' });
  const promoted = film.tick();
  assert.deepEqual(promoted.events, [
    'Normal: Copying account.shop template spec to account-primary.shop',
    'Normal: Promotion completed! Canary analysis was skipped for account.shop',
  ]);
  assert.deepEqual(
    promoted.actions.map((action) => action.kind),
    ['set-routes', 'promote', 'sync-primary-scaler', 'scale-target', 'post-rollout', 'alert'],
  );
  assert.deepEqual([promoted.phase, film.world.primaryRevision, film.world.target], ['Succeeded', 'r2', 'zero']);
  assert.equal(film.status?.lastPromotedSpec, 'r2');
  assert.equal(film.world.alerts.at(-1), 'info: Canary analysis was skipped, promotion finished.');
});

test('skipAnalysis does not wait for the primary during initialization', () => {
  const film = new Film(seedSpec({}, { skipAnalysis: true }));
  const frame = film.tick({ primary: waiting('waiting for rollout to finish') });
  assert.equal(frame.phase, 'Initialized');
});

test('the suspend text is exported for the controller', () => {
  assert.equal(suspendedMessage(), 'skipping canary run as object is suspended');
});
