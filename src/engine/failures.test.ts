import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deadline,
  fail,
  Film,
  initializedFilm,
  pass,
  progressingFilm,
  seedSpec,
  waiting,
} from './film.test-support.js';
import { judgeMetric } from './judge.js';
import { canaryNotReady, primaryNotReady } from './messages.js';

// Targets word readiness as Flagger does; the engine records their words verbatim.
const primaryWaits = (reason: string) => waiting(primaryNotReady('Deployment', 'account', 'shop', reason));
const primaryGone = (reason: string) => deadline(primaryNotReady('Deployment', 'account', 'shop', reason));

const successRate = seedSpec().analysis.metrics?.[0];
const lowSuccessRate = successRate && judgeMetric(successRate, { kind: 'value', value: 98.5 });
const failingAnalysis = { analysis: [pass('acceptance-test'), lowSuccessRate ?? fail('x', 'y')] };
const passingAnalysis = {};

test('failed checks accumulate over the run (not consecutively) and roll back at the threshold', () => {
  const film = progressingFilm();
  film.tick(); // weight 20
  const scenes = [failingAnalysis, passingAnalysis, failingAnalysis, passingAnalysis, failingAnalysis];
  const frames = scenes.map((scene) => film.tick(scene));
  assert.deepEqual(
    frames.map((frame) => [frame.written?.failedChecks, frame.weights]),
    [
      [1, '80/20'],
      [1, '60/40'],
      [2, '60/40'],
      [2, '40/60'],
      [3, '40/60'],
    ],
  );
  assert.deepEqual(frames[0]?.events, ['Warning: Halt account.shop advancement success rate 98.50% < 99%']);
  const rolledBack = film.tick();
  assert.deepEqual(rolledBack.events, [
    'Warning: Rolling back account.shop failed checks threshold reached 3',
    'Warning: Canary failed! Scaling down account.shop',
  ]);
  assert.deepEqual(
    rolledBack.actions.map((action) => action.kind),
    ['alert', 'set-routes', 'scale-target', 'post-rollout'],
  );
  assert.deepEqual([rolledBack.phase, rolledBack.weights, film.world.target], ['Failed', '100/0', 'zero']);
  assert.deepEqual([film.status?.canaryWeight, film.status?.failedChecks, film.world.primaryRevision], [0, 0, 'r1']);
  assert.deepEqual(film.world.alerts.at(-1), 'error: Failed checks threshold reached 3');
  assert.deepEqual(film.world.postRollouts, ['Failed']);
  assert.equal(film.tick().written, undefined, 'a Failed canary with nothing new writes nothing (no churn)');
});

test('a failing rollout hook halts with the external-check text', () => {
  const film = progressingFilm();
  film.tick();
  const frame = film.tick({ analysis: [fail('acceptance-test', 'exit status 1')] });
  assert.deepEqual(frame.events, [
    'Warning: Halt account.shop advancement external check acceptance-test failed exit status 1',
  ]);
  assert.equal(frame.written?.failedChecks, 1);
});

test('a failing pre-rollout hook on the first tick counts as a failed check', () => {
  const spec = seedSpec({
    webhooks: [{ name: 'smoke', type: 'pre-rollout', url: 'http://tester/' }],
  });
  const film = progressingFilm(spec);
  const frame = film.tick({ preRollout: [fail('smoke', 'Internal Server Error')] });
  assert.deepEqual(frame.needs, [{ kind: 'pre-rollout' }]);
  assert.deepEqual(frame.events, [
    'Normal: Starting canary analysis for account.shop',
    'Warning: Halt account.shop advancement pre-rollout check smoke failed Internal Server Error',
  ]);
  assert.deepEqual([frame.written?.failedChecks, frame.weights], [1, '100/0']);
  const retry = film.tick();
  assert.deepEqual(retry.events, [
    'Normal: Starting canary analysis for account.shop',
    'Normal: Pre-rollout check smoke passed',
    'Normal: Advance account.shop canary weight 20',
  ]);
});

test('a canary that never becomes ready is rolled back and the primary is left untouched', () => {
  const film = progressingFilm();
  const reason = 'waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available';
  const wait = film.tick({ canary: waiting(canaryNotReady('Deployment', 'account', 'shop', true, reason)) });
  assert.deepEqual(wait.events, [`Warning: canary deployment account.shop not ready: ${reason}`]);
  assert.equal(wait.written, undefined);
  const exceeded = 'deployment "account" exceeded its progress deadline';
  const gone = film.tick({ canary: deadline(canaryNotReady('Deployment', 'account', 'shop', false, exceeded)) });
  assert.deepEqual(gone.events, [
    'Warning: canary deployment account.shop not ready: deployment "account" exceeded its progress deadline',
    'Warning: Canary failed! Scaling down account.shop',
  ]);
  assert.ok(!gone.actions.some((action) => action.kind === 'promote'));
  assert.deepEqual([gone.phase, film.world.primaryRevision, film.world.target], ['Failed', 'r1', 'zero']);
  assert.ok(!film.world.alerts.some((alert) => alert.startsWith('error')), 'no threshold alert for a deadline');
});

test('a rollback hook answering 2xx rolls back; a non-2xx one says so every tick', () => {
  const spec = seedSpec({
    webhooks: [{ name: 'big-red-button', type: 'rollback', url: 'http://tester/gate/check' }],
  });
  const film = progressingFilm(spec);
  const calm = film.tick();
  assert.deepEqual(calm.needs, [{ kind: 'rollback-hooks' }]);
  assert.equal(calm.events[0], 'Normal: Rollback hook big-red-button not signaling a rollback');
  const pressed = film.tick({ rollbackHooks: [pass('big-red-button')] });
  assert.deepEqual(pressed.events, [
    'Warning: Rollback check big-red-button passed',
    'Warning: Rolling back account.shop manual webhook invoked',
    'Warning: Canary failed! Scaling down account.shop',
  ]);
  assert.deepEqual([pressed.phase, pressed.weights], ['Failed', '100/0']);
  assert.equal(film.world.alerts.at(-1), 'warn: Rolling back manual webhook invoked');
});

test('a primary not ready during initialization waits (retriable) or rolls back (deadline)', () => {
  const film = new Film(seedSpec());
  const reason = 'waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available';
  const first = film.tick({ primary: primaryWaits(reason) });
  assert.deepEqual(first.events, [`Warning: account-primary.shop not ready: ${reason}`]);
  assert.deepEqual([first.written?.phase, first.written?.conditions?.[0]?.status], ['Initializing', 'Unknown']);
  assert.equal(film.tick({ primary: primaryWaits(reason) }).written, undefined, 'still Initializing: nothing to write');
  const failed = film.tick({ primary: primaryGone('deployment "account-primary" exceeded its progress deadline') });
  assert.equal(failed.phase, 'Failed');
  assert.equal(failed.events.at(-1), 'Warning: Canary failed! Scaling down account.shop');
});

test("readiness is recorded in the target's words, e.g. Flagger's unwrapped GET error", () => {
  const film = initializedFilm();
  const missing = 'deployment account-primary.shop get query error: deployments.apps "account-primary" not found';
  assert.deepEqual(film.tick({ deploy: 'r2', primary: waiting(missing) }).events, [`Warning: ${missing}`]);
  assert.equal(
    primaryNotReady('DaemonSet', 'account', 'shop', 'not yet'),
    'primary daemonset account-primary.shop not ready: not yet',
  );
  assert.equal(
    canaryNotReady('DaemonSet', 'account', 'shop', true, 'not yet'),
    'canary damonset account.shop not ready with retryable true: not yet',
  );
});

test('a primary that never rolls out after promotion fails the promotion and sends traffic to the canary', () => {
  const film = progressingFilm(seedSpec({ stepWeight: 80 }));
  film.play(2); // weight 80, then Promoting
  const notReady = 'deployment "account-primary" exceeded its progress deadline';
  const frame = film.tick({ primary: primaryGone(notReady) });
  const error = `account-primary.shop not ready: ${notReady}`;
  assert.deepEqual(frame.events, [
    `Warning: ${error}`,
    `Warning: Promotion of account.shop failed, primary not ready: ${error}`,
  ]);
  assert.deepEqual(
    [frame.phase, frame.weights, film.status?.canaryWeight, film.world.target],
    ['Failed', '0/100', 100, 'up'],
  );
  assert.equal(film.world.alerts.at(-1), `error: Promotion failed, primary not ready: ${error}`);
});

test('a routes error halts the tick with a Warning and no status change', () => {
  const film = progressingFilm();
  const frame = film.tick({ routesError: 'VirtualRouter routes account not found' });
  assert.deepEqual(
    [frame.events, frame.actions, frame.written],
    [['Warning: VirtualRouter routes account not found'], [], undefined],
  );
});

test('a new revision mid-run restarts the analysis at weight 0', () => {
  const film = progressingFilm();
  film.play(2); // 20, 40
  film.tick(failingAnalysis);
  const restart = film.tick({ deploy: 'r3' });
  assert.deepEqual(restart.events, ['Normal: New revision detected! Restarting analysis for account.shop']);
  assert.deepEqual(
    [restart.weights, restart.written?.failedChecks, restart.written?.lastAppliedSpec],
    ['100/0', 0, 'r3'],
  );
  assert.deepEqual(film.tick().events, [
    'Normal: Starting canary analysis for account.shop',
    'Normal: Advance account.shop canary weight 20',
  ]);
});

test('a changed tracked ConfigMap is a new revision, during a run and after it', () => {
  const film = new Film(seedSpec());
  film.tick({ configs: { 'configmap/account': 'aaaa' } });
  assert.equal(film.tick().written, undefined);
  assert.equal(film.tick({ configs: { 'configmap/account': 'bbbb' } }).phase, 'Progressing');
  film.tick();
  const restart = film.tick({ configs: { 'configmap/account': 'cccc' } });
  assert.deepEqual(restart.events, ['Normal: New revision detected! Restarting analysis for account.shop']);
  assert.deepEqual(restart.written?.trackedConfigs, { 'configmap/account': 'cccc' });
});

test('a Canary-spec-only change (same revision) starts nothing', () => {
  const film = initializedFilm();
  const frame = film.tick({ spec: seedSpec({ stepWeight: 10, threshold: 5 }) });
  assert.deepEqual([frame.events, frame.actions, frame.written], [[], [], undefined]);
});

test('a manual rollback to the promoted revision starts nothing; re-applying the failed one does', () => {
  const film = progressingFilm();
  film.tick({ canary: deadline('exceeded its progress deadline') });
  assert.equal(film.status?.phase, 'Failed');
  const reverted = film.tick({ deploy: 'r1' });
  assert.deepEqual([reverted.events, reverted.actions], [[], []]);
  assert.deepEqual([reverted.written?.phase, reverted.written?.lastAppliedSpec], ['Failed', 'r1']);
  assert.equal(film.tick().written, undefined);
  const again = film.tick({ deploy: 'r2' });
  assert.deepEqual(again.events, ['Normal: New revision detected! Scaling up account.shop']);
});

test('a new revision for a Failed canary is not lost when its first tick is cut short (Flagger bug)', () => {
  const film = progressingFilm();
  film.tick({ canary: deadline('exceeded its progress deadline') });
  const cut = film.tick({ deploy: 'r3', primary: primaryWaits('waiting for rollout to finish') });
  assert.deepEqual(
    [cut.events, cut.written],
    [['Warning: account-primary.shop not ready: waiting for rollout to finish'], undefined],
  );
  assert.deepEqual(film.tick().events, ['Normal: New revision detected! Scaling up account.shop']);
});

test("a metric without data is reported in Flagger's words, verbatim from the judge", () => {
  const film = progressingFilm();
  film.tick();
  const metric = seedSpec().analysis.metrics?.[0] ?? { name: 'request-success-rate' };
  const context = { target: 'account', namespace: 'shop', metricsProvider: 'appmesh:v1beta2' };
  const outcome = judgeMetric(metric, { kind: 'no-data', detail: 'running query failed: no values found' }, context);
  const frame = film.tick({ analysis: [pass('acceptance-test'), outcome] });
  assert.deepEqual(frame.events, [
    'Warning: Halt advancement no values found for appmesh:v1beta2 metric request-success-rate probably account.shop is not receiving traffic: running query failed: no values found',
  ]);
  assert.equal(frame.written?.failedChecks, 1);
});
