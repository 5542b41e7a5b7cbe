import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  NON_NEGATIVE_DURATION_PATTERN,
  nonNegativeDurationMs,
  parseGoDuration,
  positiveDurationMs,
} from './duration.js';

const REJECTED_BY_GO = [
  '',
  '10',
  '15',
  '1',
  '1d',
  'ms',
  's',
  '.s',
  '1.2.3s',
  '5 s',
  '1 s',
  '1sm',
  '5mx',
  'abc',
  '-',
  '+',
];

describe('Go durations', () => {
  test('parse to milliseconds the way time.ParseDuration does', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['500ms', 500],
      ['15s', 15_000],
      ['1m30s', 90_000],
      ['1.5h', 5_400_000],
      ['2h45m', 9_900_000],
      ['.5s', 500],
      ['1.s', 1000],
      ['-1s', -1000],
      ['+5s', 5000],
      ['-0s', 0],
      ['+0', 0],
    ];
    for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  });

  test('read microseconds in all three spellings and nanoseconds, below one millisecond', () => {
    assert.deepEqual(['1µs', '1μs', '2us', '3ns', '1500us'].map(parseGoDuration), [0.001, 0.001, 0.002, 3e-6, 1.5]);
  });

  test('refuse what Go refuses: bare numbers, days, a unit without digits, garbage', () => {
    for (const bad of REJECTED_BY_GO) assert.equal(parseGoDuration(bad), undefined, JSON.stringify(bad));
  });

  test('refuse what overflows Go’s int64 nanoseconds (about 292 years)', () => {
    assert.equal(parseGoDuration('2562047h'), 9_223_369_200_000);
    assert.equal(parseGoDuration('2562048h'), undefined);
  });

  test('nonNegativeDurationMs drops values written with a minus sign, positiveDurationMs drops zero too', () => {
    assert.deepEqual(['1m', '0s', '-1s', '-0s', 'bogus'].map(nonNegativeDurationMs), [
      60_000,
      0,
      undefined,
      undefined,
      undefined,
    ]);
    assert.deepEqual(['1m', '0s', '-1s', 'bogus'].map(positiveDurationMs), [60_000, undefined, undefined, undefined]);
  });

  test('the schema pattern accepts exactly what nonNegativeDurationMs accepts', () => {
    const pattern = new RegExp(NON_NEGATIVE_DURATION_PATTERN, 'u');
    const texts = [
      ...REJECTED_BY_GO,
      '0',
      '+0',
      '0s',
      '500ms',
      '1m30s',
      '1.5h',
      '+5s',
      '-1s',
      '-0',
      '3µs',
      '1.s',
      '2d',
    ];
    for (const text of texts) {
      assert.equal(pattern.test(text), nonNegativeDurationMs(text) !== undefined, JSON.stringify(text));
    }
  });
});
