import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanaryStatus } from '../api/index.js';
import {
  APPMESH_ROUTING,
  fail,
  Film,
  initializedFilm,
  KUBERNETES_ROUTING,
  progressingFilm,
  seedSpec,
  type World,
} from './film.test-support.js';
import type { Routes } from './model.js';

const blueGreen = (iterations: number, extra = {}) =>
  seedSpec({ stepWeight: undefined, maxWeight: undefined, iterations, ...extra });

/** Flagger's kubernetes (Nop) router: no routing, weights read from the iteration counter. */
const kubernetesRoutes = (_world: World, status: CanaryStatus | undefined): Routes =>
  (status?.iterations ?? 0) > 0
    ? { primary: 0, canary: 100, mirrored: false }
    : { primary: 100, canary: 0, mirrored: false };

test('blue/green runs N iterations without traffic, routes all to the canary, then promotes', () => {
  const film = progressingFilm(blueGreen(2));
  const frames = film.play(6);
  assert.deepEqual(
    frames.map((frame) => [frame.phase, frame.weights, frame.events]),
    [
      [
        'Progressing',
        '100/0',
        ['Normal: Starting canary analysis for account.shop', 'Normal: Advance account.shop canary iteration 1/2'],
      ],
      ['Progressing', '100/0', ['Normal: Advance account.shop canary iteration 2/2']],
      ['Progressing', '0/100', ['Normal: Routing all traffic to canary']],
      ['Promoting', '0/100', ['Normal: Copying account.shop template spec to account-primary.shop']],
      ['Finalising', '100/0', ['Normal: Routing all traffic to primary']],
      ['Succeeded', '100/0', ['Normal: Promotion completed! Scaling down account.shop']],
    ],
  );
  assert.deepEqual(
    frames.map((frame) => frame.written?.iterations),
    [1, 2, 3, 3, 0, 0],
  );
});

test('blue/green with iterations 1 goes Progressing ×3, Promoting, Finalising, Succeeded (Flagger unit case)', () => {
  const film = initializedFilm(blueGreen(1));
  const phases = [film.tick({ deploy: 'r2' }), ...film.play(5)].map((frame) => frame.phase);
  assert.deepEqual(phases, ['Progressing', 'Progressing', 'Progressing', 'Promoting', 'Finalising', 'Succeeded']);
});

test('blue/green with mirror mirrors during the iterations, then stops mirroring', () => {
  const film = progressingFilm(blueGreen(1, { mirror: true }));
  const [mirrored, allIn] = film.play(2);
  assert.equal(mirrored?.weights, '100/0 mirrored');
  assert.deepEqual(allIn?.events, ['Normal: Stop traffic mirroring and route all traffic to canary']);
  assert.equal(allIn?.weights, '0/100');
});

test('blue/green waiting for promotion repeats its last iteration until approved', () => {
  const spec = blueGreen(2, { webhooks: [{ name: 'ship-it', type: 'confirm-promotion', url: 'http://tester/' }] });
  const film = progressingFilm(spec);
  film.play(2); // iterations 1, 2
  const closed = { gates: { 'confirm-promotion': [fail('ship-it', 'Forbidden')] } };
  const frames = film.play(3, closed);
  assert.deepEqual(
    frames.map((frame) => [frame.phase, frame.written?.iterations, frame.events.length]),
    [
      ['WaitingPromotion', 1, 1],
      ['WaitingPromotion', 2, 1],
      ['WaitingPromotion', 1, 0],
    ],
  );
  assert.deepEqual(frames[1]?.events, ['Normal: Advance account.shop canary iteration 2/2']);
});

test('A/B testing routes matched traffic to the canary for N iterations, then promotes', () => {
  const spec = seedSpec({
    stepWeight: undefined,
    maxWeight: undefined,
    iterations: 2,
    match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
  });
  const film = progressingFilm(spec);
  const frames = film.play(5);
  assert.deepEqual(
    frames.map((frame) => [frame.phase, frame.weights, frame.events.at(-1)]),
    [
      ['Progressing', '0/100', 'Normal: Advance account.shop canary iteration 1/2'],
      ['Progressing', '0/100', 'Normal: Advance account.shop canary iteration 2/2'],
      ['Promoting', '0/100', 'Normal: Copying account.shop template spec to account-primary.shop'],
      ['Finalising', '100/0', 'Normal: Routing all traffic to primary'],
      ['Succeeded', '100/0', 'Normal: Promotion completed! Scaling down account.shop'],
    ],
  );
});

test('a provider without weights (kubernetes) forces 10 blue/green iterations and never routes', () => {
  const spec = seedSpec({ match: [{ headers: { 'x-canary': { exact: 'insider' } } }] }, { provider: 'kubernetes' });
  const film = progressingFilm(spec, { routesOf: kubernetesRoutes, routing: KUBERNETES_ROUTING });
  const first = film.tick();
  assert.deepEqual(first.events, [
    'Normal: Starting canary analysis for account.shop',
    'Warning: A/B testing is not supported when using the kubernetes provider',
    'Warning: Progressive traffic is not supported when using the kubernetes provider',
    'Warning: Setting canaryAnalysis.iterations: 10',
    'Normal: Advance account.shop canary iteration 1/10',
  ]);
  const rest = film.play(13);
  assert.deepEqual(
    rest.slice(8).map((frame) => [frame.phase, frame.events.at(-1)]),
    [
      ['Progressing', 'Normal: Advance account.shop canary iteration 10/10'],
      ['Progressing', 'Warning: Setting canaryAnalysis.iterations: 10'],
      ['Promoting', 'Normal: Copying account.shop template spec to account-primary.shop'],
      ['Finalising', undefined],
      ['Succeeded', 'Normal: Promotion completed! Scaling down account.shop'],
    ],
  );
  assert.ok(!film.frames.some((frame) => frame.actions.some((action) => action.kind === 'set-routes')));
});

test('the engine decides by capability, not by provider name', () => {
  const spec = seedSpec();
  delete spec.provider;
  const film = new Film(spec, { routing: { ...KUBERNETES_ROUTING, provider: 'any' }, routesOf: kubernetesRoutes });
  film.tick();
  film.tick({ deploy: 'r2' });
  assert.deepEqual(film.tick().events, [
    'Normal: Starting canary analysis for account.shop',
    'Warning: Progressive traffic is not supported when using the any provider',
    'Warning: Setting canaryAnalysis.iterations: 10',
    'Normal: Advance account.shop canary iteration 1/10',
  ]);
});

test('a provider with weights but no header match drops A/B testing to blue/green, with a warning', () => {
  const spec = seedSpec({ iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] });
  const film = progressingFilm(spec, { routing: { ...APPMESH_ROUTING, headerMatch: false } });
  assert.deepEqual(film.tick().events, [
    'Normal: Starting canary analysis for account.shop',
    'Warning: A/B testing is not supported when using the appmesh:v1beta2 provider',
    'Normal: Advance account.shop canary iteration 1/2',
  ]);
});
