import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CountTest, type CountTestSettings } from './count-test.js';
import { MIXTURE_LOG_RATIOS } from './likelihood.js';
import type { WindowCounts } from './model.js';
import { zeroEventRequests } from './planner.js';
import { lnBinomialPmf, seededRng } from './testing/random.test-support.js';
import { drawWindow } from './testing/releases.test-support.js';

/** The research note's worked examples (§6.8): α = 0.01 over 3 signals, β = 0.05. */
const WORKED: CountTestSettings = { failAbove: 1.1, passBelow: 2, alpha: 0.01 / 3, beta: 0.05, phi: 1 };

const w = (nc: number, xc: number, np: number, xp: number): WindowCounts => ({
  canary: { requests: nc, events: xc },
  primary: { requests: np, events: xp },
});

function fed(settings: CountTestSettings, windows: readonly WindowCounts[]): CountTest {
  const t = CountTest.start(settings);
  for (const window of windows) {
    t.add(window);
    t.look();
  }
  return t;
}

const close = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual / expected - 1) <= relative, `${what}: ${actual} vs ${expected}`);

describe('the count test reproduces the research note’s worked examples (an independent computation)', () => {
  test('W1: 0.1% → 0.5% errors FAILs at minute 2 with e = 352 and the ratio above 1.12', () => {
    const t = fed(WORKED, [w(1200, 6, 10800, 11), w(1200, 6, 10800, 11)]);
    close(t.eFail(), 352, 0.005, 'e');
    close(t.estimate() ?? NaN, 4.91, 0.001, 'ratio');
    close(t.currentBounds().lower, 1.12, 0.005, 'lower');
    assert.equal(t.verdict(), 'FAIL');
    t.add(w(1200, 5, 10800, 9));
    close(t.eFail(), 5928, 0.005, 'e at minute 3');
    close(t.currentBounds().lower, 1.44, 0.005, 'lower at minute 3');
  });

  test('W2: a good canary CONTINUEs at 10 min (upper 2.47, e = 2.2) and PASSes at 30 min (upper 1.78, e = 308)', () => {
    const ten = fed(WORKED, [w(12000, 13, 108000, 104)]);
    close(ten.ePass(), 2.2, 0.01, 'e at 10 min');
    close(ten.currentBounds().upper, 2.47, 0.005, 'upper at 10 min');
    assert.equal(ten.verdict(), 'CONTINUE');
    const thirty = fed(WORKED, [w(36000, 38, 324000, 318)]);
    close(thirty.ePass(), 308, 0.005, 'e at 30 min');
    close(thirty.currentBounds().upper, 1.78, 0.005, 'upper at 30 min');
    assert.equal(thirty.verdict(), 'PASS');
    assert.equal(thirty.toState().passedBy, 'bound');
  });

  test('W3: a tail-only latency regression FAILs on both boundaries within a minute', () => {
    const latency = { ...WORKED, passBelow: 1.5 };
    const tail = fed(latency, [w(1200, 30, 10800, 65)]);
    close(tail.eFail(), 4.7e5, 0.01, 'tail e');
    close(tail.currentBounds().lower, 1.68, 0.005, 'tail lower');
    const body = fed(latency, [w(1200, 216, 10800, 1080)]);
    close(body.eFail(), 1.9e7, 0.02, 'body e');
    close(body.currentBounds().lower, 1.31, 0.005, 'body lower');
    close(fed(latency, [w(600, 15, 5400, 32)]).eFail(), 479, 0.005, 'tail e after 30 s');
  });

  test('W4: Kayenta #426 (4/600 vs 0/600) is CONTINUE with e = 6.4; at a 10% weight the same 4 errors FAIL', () => {
    const even = fed(WORKED, [w(600, 4, 600, 0)]);
    close(even.eFail(), 6.4, 0.01, 'e');
    assert.equal(even.verdict(), 'CONTINUE');
    assert.equal(even.toState().upper, null, 'upper bound stays unbounded');
    assert.equal(fed(WORKED, [w(600, 4, 5400, 0)]).verdict(), 'FAIL');
    const needed = [...Array(20).keys()].find((x) => fed(WORKED, [w(600, x, 600, 0)]).verdict() === 'FAIL');
    assert.equal(needed, 12, 'at a 50/50 split, 12 errors all on the canary are needed');
  });
});

describe('the e-values agree with a direct binomial computation', () => {
  test('one window’s FAIL e-value is the mixture of binomial likelihood ratios', () => {
    const [nc, np, xc, xp] = [500, 4500, 9, 30];
    const e = xc + xp;
    const share = nc / (nc + np);
    const pi = (ratio: number) => (share * ratio) / (share * ratio + 1 - share);
    const nullPmf = lnBinomialPmf(xc, e, pi(1.1));
    const direct =
      MIXTURE_LOG_RATIOS.reduce((s, lr) => s + Math.exp(lnBinomialPmf(xc, e, pi(1.1 * Math.exp(lr))) - nullPmf), 0) /
      MIXTURE_LOG_RATIOS.length;
    close(fed(WORKED, [w(nc, xc, np, xp)]).eFail(), direct, 1e-9, 'e-value');
  });

  test('the exact chance of a false FAIL at one look, summed over the binomial law, is below α', () => {
    // Markov's inequality bounds it by α; the exact sum shows how much room there is.
    const settings = { ...WORKED, alpha: 0.05 };
    const verdictAt = (x: number) => {
      const t = CountTest.start(settings);
      t.add(w(nc, x, np, events - x));
      return t.verdict();
    };
    const [nc, np, events] = [600, 5400, 60];
    const pi = (0.1 * 1.1) / (0.1 * 1.1 + 0.9);
    let exact = 0;
    for (let x = 0; x <= events; x++) {
      if (fed(settings, [w(nc, x, np, events - x)]).verdict() === 'FAIL')
        exact += Math.exp(lnBinomialPmf(x, events, pi));
    }
    assert.ok(exact > 0 && exact <= 0.05, `exact false FAIL chance ${exact}`);
    // The simulator agrees with the exact sum (within 3 standard errors).
    const rng = seededRng(26);
    const runs = 20000;
    let hits = 0;
    for (let i = 0; i < runs; i++) {
      const x = rng.binomial(events, pi);
      if (verdictAt(x) === 'FAIL') hits++;
    }
    assert.ok(
      Math.abs(hits / runs - exact) <= 3 * Math.sqrt((exact * (1 - exact)) / runs),
      `${hits / runs} vs ${exact}`,
    );
  });
});

describe('sufficiency, monotonicity and no information (P7–P9)', () => {
  const windows = [w(600, 3, 5400, 9), w(300, 1, 2700, 2), w(800, 2, 4000, 11), w(0, 0, 5000, 4), w(700, 0, 6300, 0)];
  const summary = (t: CountTest) => [t.logEFail(), t.logEPass(), t.currentBounds().lower, t.currentBounds().upper];
  const near = (a: number[], b: number[]) =>
    a.forEach((x, i) => assert.ok(Math.abs(x - (b[i] ?? NaN)) <= 1e-12 * Math.max(1, Math.abs(x)), `${x} vs ${b[i]}`));

  test('P7: reordering windows, splitting one at the same share or merging two gives the same e-values and bounds', () => {
    const base = summary(fed(WORKED, windows));
    near(summary(fed(WORKED, [...windows].reverse())), base);
    const split = [w(400, 2, 3600, 5), w(200, 1, 1800, 4), ...windows.slice(1)];
    near(summary(fed(WORKED, split)), base);
    const merged = [w(900, 4, 8100, 11), ...windows.slice(2)];
    near(summary(fed(WORKED, merged)), base);
  });

  test('P8: one more canary event raises the FAIL e-value and lowers the PASS one; one more primary event lowers FAIL', () => {
    const at = (c: number, p: number) => fed(WORKED, [w(600, c, 5400, p)]);
    for (const [xc, xp] of [
      [0, 5],
      [3, 9],
      [10, 2],
      [6, 60],
    ] as const) {
      const t = at(xc, xp);
      const moved = at(xc + 1, xp - 1);
      assert.ok(moved.logEFail() > t.logEFail(), `E fixed: a canary event more raises M+ at ${xc}/${xp}`);
      assert.ok(moved.logEPass() < t.logEPass(), `E fixed: a canary event more lowers M- at ${xc}/${xp}`);
      assert.ok(at(xc, xp + 1).logEFail() < t.logEFail(), `a primary event more lowers M+ at ${xc}/${xp}`);
    }
  });

  test('P9: windows without events, or without canary requests, change no e-value or bound; no canary requests is CONTINUE', () => {
    const t = fed(WORKED, windows.slice(0, 3));
    const before = summary(t);
    t.add(w(600, 0, 5400, 0));
    t.add(w(0, 0, 5400, 7));
    t.add(w(600, 2, 0, 0));
    near(summary(t), before);
    const empty = fed(WORKED, [w(0, 0, 5400, 3), w(0, 0, 5400, 1)]);
    assert.equal(empty.verdict(), 'CONTINUE');
    assert.equal(empty.eFail(), 1);
    assert.equal(empty.ePass(), 1);
    assert.deepEqual(empty.currentBounds(), { lower: 0, upper: Infinity });
  });
});

describe('state and determinism (P10, P14)', () => {
  test('P10: the same windows give identical results, and a test rebuilt from its JSON state answers the same', () => {
    const rng = seededRng(3);
    const windows = Array.from({ length: 40 }, (_, i) =>
      drawWindow(rng, { requests: 200 + 10 * i, rate: 0.004 }, { requests: 1800, rate: 0.003 }),
    );
    const a = fed(WORKED, windows);
    const b = fed(WORKED, windows);
    assert.deepEqual(a.toState(), b.toState());
    const stored = JSON.parse(JSON.stringify(a.toState()));
    const rebuilt = CountTest.fromState(WORKED, stored);
    assert.ok(Math.abs(rebuilt.logEFail() - a.logEFail()) < 1e-9);
    assert.ok(Math.abs(rebuilt.logEPass() - a.logEPass()) < 1e-9);
    assert.deepEqual(rebuilt.currentBounds(), a.currentBounds());
  });

  test('P14: the reported bounds never widen: the lower bound never falls, the upper never rises', () => {
    const rng = seededRng(14);
    const t = CountTest.start(WORKED);
    let [lower, upper] = [0, Infinity];
    for (let i = 0; i < 80; i++) {
      // Bursty windows make the current bounds jump around; the running intersection must not.
      t.add(drawWindow(rng, { requests: 600, rate: i % 7 === 0 ? 0.01 : 0.001 }, { requests: 5400, rate: 0.002 }));
      const now = t.look();
      assert.ok(now.lower >= lower && now.upper <= upper, `look ${i}: (${now.lower}, ${now.upper})`);
      [lower, upper] = [now.lower, now.upper];
    }
    assert.ok(lower > 0 && upper < Infinity, 'the bounds moved during the run');
  });

  test('the stored state of a signal after 120 one-minute windows stays small', () => {
    const rng = seededRng(120);
    const windows = Array.from({ length: 120 }, () =>
      drawWindow(
        rng,
        { requests: 550 + Math.floor(rng.uniform() * 100), rate: 0.001 },
        { requests: 5400, rate: 0.001 },
      ),
    );
    const bytes = JSON.stringify(fed(WORKED, windows).toState()).length;
    assert.ok(bytes < 4000, `${bytes} bytes`);
  });
});

describe('the zero-event rule (P20)', () => {
  test('PASSes exactly at ⌈ln(1/β)/rate⌉ canary requests with no event in either arm, and not before', () => {
    const settings = { ...WORKED, zeroEventRate: 0.001 };
    const n = zeroEventRequests(0.001, 0.05);
    assert.equal(n, 2996);
    assert.ok((1 - 0.001) ** n <= 0.05 && Math.exp(-0.001 * (n - 1)) > 0.05, 'the closed form agrees');
    assert.equal(fed(settings, [w(n - 1, 0, 9 * n, 0)]).verdict(), 'CONTINUE');
    const t = fed(settings, [w(n, 0, 9 * n, 0)]);
    assert.equal(t.verdict(), 'PASS');
    assert.equal(t.toState().passedBy, 'zero-events');
    assert.equal(fed(settings, [w(n, 0, 9 * n, 1)]).verdict(), 'CONTINUE', 'one primary event ends the rule');
  });

  test('a FAIL after an earlier PASS wins, and stays', () => {
    const t = fed({ ...WORKED, zeroEventRate: 0.001 }, [w(3000, 0, 27000, 0)]);
    assert.equal(t.verdict(), 'PASS');
    t.add(w(1200, 14, 10800, 10));
    assert.equal(t.verdict(), 'FAIL');
    t.add(w(100000, 0, 900000, 1000));
    assert.equal(t.verdict(), 'FAIL');
  });
});
