/**
 * The statistical judge in a release, tick by tick: the counts are made up per window from request
 * rates (deterministic), the verdicts come from the real judge core.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanaryJudge, CanarySpec } from '../api/index.js';
import type { JudgeWindow } from '../judge/index.js';
import { Film, KUBERNETES_ROUTING, progressingFilm, seedSpec, type Scene } from './film.test-support.js';
import type { Need } from './model.js';
import { specProblem } from './spec-problems.js';

type Asked = Extract<Need, { kind: 'judge-window' }>;

/** A Canary of the seed, judged on its error ratio (and the split) with `judge`'s settings. */
function judgedSpec(judge: CanaryJudge = {}): CanarySpec {
  return seedSpec({ judge: { compare: [{ name: 'error-ratio' }], maxStepDuration: '5m', ...judge } });
}

interface Traffic {
  /** Requests per second to both arms together. */
  readonly rps: number;
  readonly canaryErrors: number;
  readonly primaryErrors: number;
  /** The canary's share of the requests at a weight (default: the weight). */
  readonly share?: (weight: number) => number;
}

/** One window's counts at steady rates: what Prometheus would count for these request and error rates. */
function counts(traffic: Traffic): (asked: Asked) => JudgeWindow {
  return (asked) => {
    const seconds = asked.end - asked.start;
    const total = Math.round(traffic.rps * seconds);
    const canary = Math.round(total * (traffic.share?.(asked.canaryWeight) ?? asked.canaryWeight / 100));
    const primary = total - canary;
    return {
      seconds,
      canaryWeight: asked.canaryWeight,
      errors: {
        kind: 'counts',
        counts: {
          canary: { requests: canary, events: Math.round(canary * traffic.canaryErrors) },
          primary: { requests: primary, events: Math.round(primary * traffic.primaryErrors) },
        },
      },
    };
  };
}

/** Plays up to `max` ticks of `scene` until the phase leaves Progressing; returns the frames played. */
function playRelease(film: Film, scene: Scene, max = 60) {
  const frames = [];
  for (let i = 0; i < max; i++) {
    const frame = film.tick(scene);
    frames.push(frame);
    if (frame.phase !== 'Progressing') break;
  }
  return frames;
}

describe('the statistical judge in a release', () => {
  test("the seed's scenario 2 (canary 1.3% errors, primary 0.1%) is rolled back as soon as the judge shows it, with the evidence", () => {
    const film = progressingFilm(judgedSpec());
    const scene = { judgeCounts: counts({ rps: 100, canaryErrors: 0.013, primaryErrors: 0.001 }) };
    const start = film.tick(scene);
    assert.deepEqual(
      start.needs.map((n) => n.kind),
      ['judge-start'],
      'the first tick reads the primary before the rollout',
    );
    assert.ok(start.events.some((e) => e.startsWith('Normal: Judging account.shop against its primary: error-ratio')));
    assert.equal(start.weights, '80/20', 'the first step is taken once the judge has started');
    assert.equal(film.status?.judge?.verdict, 'CONTINUE');

    const frames = playRelease(film, scene);
    const last = frames.at(-1)!;
    assert.equal(last.phase, 'Failed');
    assert.ok(frames.length <= 4, `rolled back after ${frames.length} windows`);
    assert.equal(last.weights, '100/0');
    assert.match(
      last.events.join('\n'),
      /Warning: Rolling back account\.shop: the judge found the canary worse than the primary: error-ratio: error ratio canary\/primary [\d.]+ is above 1\.10/,
    );
    assert.ok(last.events.includes('Warning: Canary failed! Scaling down account.shop'));
    assert.match(film.world.alerts.at(-1)!, /^error: Canary is worse than the primary: error-ratio/);
    const judge = film.status?.judge;
    assert.equal(judge?.verdict, 'FAIL');
    const [errors] = judge?.signals ?? [];
    assert.equal(errors?.verdict, 'FAIL');
    assert.ok(errors && errors.canary.events > 0 && errors.primary.requests > errors.canary.requests);
    assert.ok(errors && errors.lower > 1.1, 'the lower bound is above failAbove');
    assert.equal(film.status?.failedChecks, 0, 'a decided FAIL needs no threshold of failed checks');
  });

  test('a canary as good as its primary passes every step and is promoted; the judge says so once', () => {
    const film = progressingFilm(judgedSpec({ compare: [{ name: 'error-ratio', passBelow: 3 }] }));
    const frames = playRelease(film, { judgeCounts: counts({ rps: 400, canaryErrors: 0.01, primaryErrors: 0.01 }) });
    assert.equal(frames.at(-1)?.phase, 'Promoting');
    const events = frames.flatMap((f) => f.events);
    assert.equal(events.filter((e) => e.startsWith('Normal: Judge passed account.shop')).length, 1);
    assert.deepEqual(
      events.filter((e) => e.includes('Advance account.shop canary weight')),
      [20, 40, 60, 80].map((w) => `Normal: Advance account.shop canary weight ${w}`),
    );
    assert.equal(film.status?.judge?.verdict, 'PASS');
  });

  test('without enough traffic each step holds its weight, says what is missing, and onInconclusive decides at maxStepDuration', () => {
    const slow = { judgeCounts: counts({ rps: 2, canaryErrors: 0.001, primaryErrors: 0.001 }) };
    for (const [onInconclusive, phase, weights] of [
      ['fail', 'Failed', '100/0'],
      ['hold', 'Progressing', '80/20'],
      ['promote', 'Progressing', '60/40'],
    ] as const) {
      const film = progressingFilm(judgedSpec({ onInconclusive }));
      film.tick(slow);
      const waiting = film.play(9, slow);
      assert.ok(
        waiting.every((f) => f.weights === '80/20' && f.phase === 'Progressing'),
        `${onInconclusive}: held at 20 for 5 minutes`,
      );
      assert.match(
        waiting[0]!.events.join('\n'),
        /Normal: Holding account\.shop at weight 20 until the judge decides: .*needs ≈ [\d,]+ more canary requests/,
      );
      const timedOut = film.tick(slow);
      assert.equal(timedOut.phase, phase, onInconclusive);
      assert.equal(timedOut.weights, weights, onInconclusive);
      const said = timedOut.events.join('\n');
      if (onInconclusive === 'fail') assert.match(said, /insufficient evidence, no decision within maxStepDuration 5m/);
      if (onInconclusive === 'hold') assert.match(said, /run serin promote or serin abort/);
      if (onInconclusive === 'promote')
        assert.match(said, /Advancing account\.shop without a decision after maxStepDuration 5m/);
    }
  });

  test('a canary that receives half its weight is held at that weight with the split named, never rolled back for it', () => {
    const film = progressingFilm(judgedSpec({ onInconclusive: 'hold' }));
    const halfShare = { judgeCounts: counts({ rps: 200, canaryErrors: 0, primaryErrors: 0, share: (w) => w / 200 }) };
    film.tick(halfShare);
    const first = film.tick(halfShare);
    assert.equal(first.written?.judge?.split, undefined, "a step's first window mixes two weights: no split check");
    assert.equal(first.written?.judge?.verdict, 'CONTINUE');
    const frames = film.play(4, halfShare);
    assert.ok(frames.every((f) => f.weights === '80/20' && f.phase === 'Progressing'));
    assert.equal(frames[0]?.written?.judge?.verdict, 'HOLD', 'held from the second window at the weight');
    assert.match(
      frames.flatMap((f) => f.events).join('\n'),
      /Warning: Holding account\.shop at weight 20: the canary does not receive its share of requests: /,
    );
    assert.equal(film.status?.judge?.verdict, 'HOLD');
    assert.equal(film.status?.judge?.split?.verdict, 'HOLD');
  });

  test('counts that cannot be read are failed checks (threshold 3), never a promotion', () => {
    const film = progressingFilm(judgedSpec());
    const broken: Scene = {
      judgeCounts: (asked) => ({
        seconds: asked.end - asked.start,
        canaryWeight: asked.canaryWeight,
        errors: { kind: 'error', message: 'Prometheus http://prometheus:9090 answered 503' },
      }),
    };
    film.tick(broken);
    const frames = playRelease(film, broken);
    assert.deepEqual(
      frames.map((f) => [f.phase, f.weights, f.written?.failedChecks]),
      [
        ['Progressing', '80/20', 1],
        ['Progressing', '80/20', 2],
        ['Progressing', '80/20', 3],
        ['Failed', '100/0', 0],
      ],
    );
    assert.equal(frames.at(-1)?.phase, 'Failed');
    assert.match(frames[0]!.events.join('\n'), /the judge could not count this window: .*answered 503/);
  });

  test('a primary whose counts cannot be read before the rollout is a failed check, and the release does not start moving traffic', () => {
    const film = progressingFilm(judgedSpec());
    const down: Scene = { judgeStart: { ok: false, message: 'Prometheus is unreachable' } };
    const first = film.tick(down);
    assert.equal(first.weights, '100/0');
    assert.equal(film.status?.failedChecks, 1);
    assert.match(
      first.events.join('\n'),
      /the judge cannot read the primary's counts before the rollout: Prometheus is unreachable/,
    );
    const again = film.tick({ judgeCounts: counts({ rps: 100, canaryErrors: 0, primaryErrors: 0 }) });
    assert.equal(again.weights, '80/20', 'it starts once the counts can be read');
  });

  test('the judge carries on from the status alone (an operator restarted mid-release)', () => {
    const scene = { judgeCounts: counts({ rps: 100, canaryErrors: 0.013, primaryErrors: 0.001 }) };
    const film = progressingFilm(judgedSpec());
    film.play(2, scene);
    const restarted = new Film(film.spec);
    Object.assign(restarted, { status: structuredClone(film.status), now: film.now });
    Object.assign(restarted.world, structuredClone(film.world));
    const frames = playRelease(restarted, scene);
    assert.equal(frames.at(-1)?.phase, 'Failed');
    assert.ok(frames.length <= 3);
  });

  test('a judge with a provider that cannot shift weights is refused, naming the field and the fix', () => {
    assert.match(
      specProblem(judgedSpec(), KUBERNETES_ROUTING) ?? '',
      /^analysis\.judge needs a share of live traffic on the canary, and provider kubernetes cannot shift weights .*remove analysis\.judge/,
    );
    assert.equal(specProblem(seedSpec(), KUBERNETES_ROUTING), undefined);
  });
});
