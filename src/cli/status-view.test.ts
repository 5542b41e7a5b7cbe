import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeStatusOf, type Canary, type CanaryJudgeStatus } from '../api/index.js';
import {
  judgeWindow,
  resolveJudgeConfig,
  startJudge,
  type HistogramCounts,
  type JudgeOutcome,
  type JudgeSpec,
  type JudgeWindow,
  type PreRollout,
} from '../judge/index.js';
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

/** Plays `windows` through the real judge and returns `status.judge` as the operator writes it. */
function judged(
  spec: JudgeSpec,
  pre: PreRollout,
  windows: readonly JudgeWindow[],
  extra: Record<string, unknown> = {},
): CanaryJudgeStatus {
  const config = resolveJudgeConfig(spec);
  assert.ok(config.ok, config.ok ? '' : config.problem.message);
  let state = startJudge(config.value, pre);
  let outcome: JudgeOutcome | undefined;
  for (const window of windows) {
    outcome = judgeWindow(config.value, state, window);
    state = outcome.state;
  }
  assert.ok(outcome);
  return { ...judgeStatusOf(outcome, '2026-12-04T12:41:00Z'), ...extra };
}

/** A latency histogram of `n` requests: half ≤ 0.1 s, 90% ≤ 0.25 s, 99% ≤ 0.5 s, 99.9% ≤ 1 s. */
const histogram = (n: number, slow = 0): HistogramCounts => ({
  le: [0.1, 0.25, 0.5, 1],
  cumulative: [n * 0.5, n * 0.9 - slow, n * 0.99 - slow, n * 0.999 - slow].map(Math.round),
  count: n,
});

/** The primary's hour before the rollout: 9 pods at 20 req/s each, 0.1% errors spread evenly. */
const PRE: PreRollout = {
  errors: { requests: 648_000, events: 648 },
  latency: histogram(648_000),
  pods: Array.from({ length: 9 }, (_, pod) =>
    Array.from({ length: 60 }, (_, t) => ({ requests: 1200, errors: (t + pod) % 5 === 0 ? 6 : 0 })),
  ),
};

/** One minute at a 10% weight: `canary` and `primary` as [requests, errors]. */
function minute(canary: readonly [number, number], primary: readonly [number, number], slow = 0): JudgeWindow {
  const arm = ([requests, events]: readonly [number, number]) => ({ requests, events });
  return {
    seconds: 60,
    canaryWeight: 10,
    errors: { kind: 'counts', counts: { canary: arm(canary), primary: arm(primary) } },
    latency: { kind: 'histograms', canary: histogram(canary[0], slow), primary: histogram(primary[0]) },
  };
}

function judgedCanary(judge: CanaryJudgeStatus): Canary {
  return canary({ stepWeights: [10, 25, 50] }, { phase: 'Progressing', canaryWeight: 10, failedChecks: 0, judge });
}

const view = (judge: CanaryJudgeStatus, width = 200) =>
  renderStatus(statusRows([judgedCanary(judge)], []), width)
    .split('\n')
    .slice(3);

describe('the statistical judge in serin status', () => {
  test('a good canary waiting for evidence: one line per signal with counts, ratio, bounds and what it still needs', () => {
    // Ten minutes at 20 canary and 180 primary req/s, both at about 0.1% errors.
    const windows = Array.from({ length: 10 }, (_, i) => minute([1200, i % 3 === 0 ? 2 : 1], [10_800, 10 + (i % 2)]));
    const judge = judged({ compare: [{ name: 'error-ratio' }] }, PRE, windows);
    const evidence = judge.signals[0];
    assert.equal(judge.verdict, 'CONTINUE');
    assert.ok(evidence?.needed, 'the planner says what is missing');
    const lines = view(judge);
    assert.equal(lines[0], 'shop/account · judge CONTINUE at 2026-12-04T12:41:00Z');
    assert.match(lines[1] ?? '', /^ {2}waiting on error-ratio: error ratio canary\/primary/);
    const needs = Math.round(evidence.needed.canaryRequests).toLocaleString('en-US');
    assert.match(
      lines[2] ?? '',
      new RegExp(
        `^ {2}error-ratio {4}CONTINUE {2}canary 14/12,000 vs primary 105/108,000 · ` +
          `ratio ${evidence.ratio?.toFixed(2)} \\(> ${evidence.lower.toFixed(2)} at 99%, < ${evidence.upper?.toFixed(2)} at 95%\\) · ` +
          `needs ≈ ${needs} more canary requests \\(≈ \\d+ (min|h)\\)$`,
      ),
    );
    assert.match(
      lines[3] ?? '',
      /^ {2}traffic-split {2}PASS {6}share 10% at weight 10% \(band 7%–13%\) · canary 12,000 vs primary 108,000 requests$/,
    );
  });

  test('a failed canary: the verdict and its whole reason first, then the evidence of each signal', () => {
    // The research note's W1: 0.5% errors on the canary, 0.1% on the primary, one minute.
    const judge = judged({}, PRE, [minute([2400, 12], [21_600, 22])]);
    assert.equal(judge.verdict, 'FAIL');
    const lines = view(judge, 120);
    assert.equal(lines[0], 'shop/account · judge FAIL at 2026-12-04T12:41:00Z');
    const row = /^ {2}(error-ratio|latency-\w+ \(le [\d.]+\)|traffic-split) {2,}[A-Z]/;
    const firstRow = lines.findIndex((l) => row.test(l));
    const reason = lines.slice(1, firstRow);
    assert.ok(reason.length >= 2, 'a FAIL reason is wrapped, not cut');
    assert.equal(reason.map((l) => l.trim()).join(' '), judge.reason, 'the whole reason is there, wrapped at spaces');
    const signals = lines.filter((l) => row.test(l));
    assert.deepEqual(
      signals.map((l) =>
        l
          .trim()
          .split(/\s{2,}/)
          .slice(0, 2),
      ),
      [
        ['error-ratio', 'FAIL'],
        ['latency-tail (le 0.5)', 'CONTINUE'],
        ['latency-body (le 0.25)', 'PASS by bound'],
        ['traffic-split', 'PASS'],
      ],
    );
    // What does not fit in 120 columns goes on the next line, under the evidence column: nothing is cut.
    const detail = (signals[0] ?? '').indexOf('canary');
    assert.deepEqual(lines.slice(firstRow, firstRow + 2), [
      `${(signals[0] ?? '').slice(0, detail)}canary 12/2,400 vs primary 22/21,600`,
      `${' '.repeat(detail)}ratio 4.91 (> 1.12 at 99.67%, < 13.48 at 95%)`,
    ]);
    assert.doesNotMatch(lines.join('\n'), /…/);
    assert.ok(
      lines.every((l) => l.length <= 120),
      lines.map((l) => l.length).join(' '),
    );
  });

  test('a canary receiving half its weight is held: the reason says why, the split line shows the share against the band', () => {
    const windows = Array.from({ length: 2 }, () => minute([600, 0], [11_400, 11]));
    const judge = judged({ compare: [{ name: 'error-ratio' }] }, PRE, windows);
    assert.equal(judge.verdict, 'HOLD');
    const lines = view(judge);
    assert.match(
      lines[1] ?? '',
      /^ {2}traffic-split: observed canary share 5% of 24,000 requests vs weight 10% is below 7%/,
    );
    const split = lines.find((l) => /^ {2}traffic-split {2}/.test(l));
    assert.match(
      split ?? '',
      /^ {2}traffic-split {2}HOLD +share 5% at weight 10% \(band 7%–13%\) · canary 1,200 vs primary 22,800 requests$/,
    );
  });

  test('a pass by zero events and the release and step timing the operator records', () => {
    const windows = Array.from({ length: 3 }, () => minute([1200, 0], [10_800, 0]));
    const judge = judged({ compare: [{ name: 'error-ratio', zeroEventRate: 0.001 }] }, PRE, windows, {
      startedAt: '2026-12-04T12:20:00Z',
      stepStartedAt: '2026-12-04T12:35:00Z',
      stepWeight: 10,
    });
    assert.equal(judge.verdict, 'PASS');
    const lines = view(judge);
    assert.equal(
      lines[0],
      'shop/account · judge PASS at 2026-12-04T12:41:00Z · judging for 21 min · step 10% for 6 min',
    );
    assert.match(
      lines[2] ?? '',
      /^ {2}error-ratio {4}PASS by zero events {2}canary 0\/3,600 vs primary 0\/32,400 · ratio – \(no bound yet\)$/,
    );
  });

  test('a signal that could not be read shows its cause, and a canary without a judge shows no judge block', () => {
    const window: JudgeWindow = {
      seconds: 60,
      canaryWeight: 10,
      errors: { kind: 'error', message: 'Prometheus at http://prometheus:9090 is unreachable: connection refused' },
    };
    const judge = judged({ compare: [{ name: 'error-ratio' }] }, PRE, [window]);
    const lines = view(judge);
    assert.match(lines[2] ?? '', /^ {2}error-ratio {2}ERROR {2}Prometheus at http:\/\/prometheus:9090 is unreachable/);
    const plain = renderStatus(statusRows([canary({ stepWeight: 10 }, { phase: 'Progressing' })], []), 200);
    assert.doesNotMatch(plain, /judge/);
    assert.equal(plain.split('\n').length, 2);
  });
});
