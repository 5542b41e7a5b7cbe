import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  counterIncrease,
  histogramIncrease,
  requestsAbove,
  sameBuckets,
  sumIncreases,
  type CounterSeries,
  type HistogramCounts,
} from './counters.js';

const window = { start: 1000, end: 1060 };
const series = (samples: [number, number][], extra: Partial<CounterSeries> = {}): CounterSeries => ({
  labels: {},
  samples,
  ...extra,
});

describe('counter increases per window (P11)', () => {
  test('are exact integers from raw samples, where increase() would extrapolate', () => {
    // Scrapes every 15 s, not aligned with the window: 40 requests counted between 1000 and 1060.
    const s = series([
      [995, 100],
      [1010, 110],
      [1025, 118],
      [1040, 130],
      [1055, 140],
      [1070, 150],
    ]);
    assert.equal(counterIncrease(s, window), 40);
  });

  test('count a reset as the increase since the restart', () => {
    const s = series([
      [1000, 500],
      [1015, 520],
      [1030, 7],
      [1045, 19],
      [1060, 25],
    ]);
    assert.equal(counterIncrease(s, window), 20 + 7 + 12 + 6);
  });

  test('count a new pod’s series from zero when the pod started inside the window', () => {
    const fresh = series(
      [
        [1030, 12],
        [1045, 30],
      ],
      { podStartedAt: 1020 },
    );
    assert.equal(counterIncrease(fresh, window), 30);
  });

  test('count a series first seen in the window from its first sample when its pod is older', () => {
    // Prometheus just discovered a long-running pod: its 90,000 earlier requests are not this window's.
    const discovered = series(
      [
        [1030, 90000],
        [1045, 90025],
      ],
      { podStartedAt: 10 },
    );
    assert.equal(counterIncrease(discovered, window), 25);
    assert.equal(counterIncrease({ labels: {}, samples: discovered.samples }, window), 25, 'pod start unknown');
  });

  test('add nothing for a series after it vanished, and ignore samples past the window', () => {
    const vanished = series([
      [990, 10],
      [1010, 14],
    ]);
    assert.equal(counterIncrease(vanished, window), 4);
    const late = series([
      [1000, 10],
      [1061, 99],
    ]);
    assert.equal(counterIncrease(late, window), 0);
  });

  test('sum over an arm’s pods', () => {
    const pods = [
      series([
        [1000, 10],
        [1060, 15],
      ]),
      series([
        [1000, 3],
        [1060, 1],
      ]),
    ];
    assert.equal(sumIncreases(pods, window), 5 + 1);
  });
});

const bucket = (le: string, from: number, to: number, pod = 'a'): CounterSeries => ({
  labels: { le, pod },
  samples: [
    [1000, from],
    [1060, to],
  ],
});
const countSeries = (from: number, to: number): CounterSeries => ({
  labels: {},
  samples: [
    [1000, from],
    [1060, to],
  ],
});

describe('histogram increases per window (P11)', () => {
  test('sum buckets per le over pods; the +Inf increase is the _count increase', () => {
    const buckets = [
      bucket('0.1', 0, 50),
      bucket('0.5', 0, 90),
      bucket('+Inf', 0, 100),
      bucket('0.1', 10, 40, 'b'),
      bucket('0.5', 10, 60, 'b'),
      bucket('+Inf', 10, 70, 'b'),
    ];
    const h = histogramIncrease(buckets, [countSeries(0, 100), countSeries(10, 70)], window);
    assert.deepEqual(h, { ok: true, value: { le: [0.1, 0.5], cumulative: [80, 140], count: 160 } });
  });

  test('raise a non-cumulative bucket to the running maximum, as Prometheus does', () => {
    const buckets = [bucket('0.1', 0, 50), bucket('0.25', 0, 45), bucket('1', 0, 90), bucket('+Inf', 0, 100)];
    const h = histogramIncrease(buckets, [countSeries(0, 100)], window);
    assert.ok(h.ok);
    assert.deepEqual(h.value.cumulative, [50, 50, 90]);
  });

  test('read le spellings ("0.250", "2.5e-1") as the same bound', () => {
    const buckets = [bucket('0.250', 0, 5), bucket('2.5e-1', 0, 7), bucket('+Inf', 0, 20)];
    const h = histogramIncrease(buckets, [], window);
    assert.deepEqual(h, { ok: true, value: { le: [0.25], cumulative: [12], count: 20 } });
  });

  test('refuse a +Inf bucket that disagrees with _count, and buckets without le', () => {
    const h = histogramIncrease([bucket('+Inf', 0, 100)], [countSeries(0, 99)], window);
    assert.equal(h.ok, false);
    assert.match(h.ok ? '' : h.problem.message, /\+Inf bucket grew by 100 but _count by 99/);
    const noLe = histogramIncrease([{ labels: {}, samples: [] }], [], window);
    assert.match(noLe.ok ? '' : noLe.problem.message, /without a readable le label/);
  });

  test('return an error naming both bucket sets when canary and primary have different le', () => {
    const canary: HistogramCounts = { le: [0.1, 0.25, 1], cumulative: [1, 2, 3], count: 4 };
    const primary: HistogramCounts = { le: [0.1, 0.5, 1], cumulative: [1, 2, 3], count: 4 };
    const result = sameBuckets(canary, primary);
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.problem.message,
      /incomparable histograms: canary buckets \[0.1, 0.25, 1\] differ from primary buckets \[0.1, 0.5, 1\]/,
    );
    assert.deepEqual(sameBuckets(canary, canary), { ok: true, value: true });
  });

  test('count the requests above a frozen boundary, and refuse a boundary that is no longer a bucket', () => {
    const h: HistogramCounts = { le: [0.1, 0.25, 1], cumulative: [60, 90, 99], count: 100 };
    assert.deepEqual(requestsAbove(h, 0.25), { ok: true, value: { requests: 100, events: 10 } });
    const gone = requestsAbove(h, 0.5);
    assert.match(gone.ok ? '' : gone.problem.message, /boundary 0.5 frozen before the rollout is no longer a bucket/);
  });
});
