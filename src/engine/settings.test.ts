import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanarySpec } from '../api/index.js';
import { analysisIntervalMs, durationProblem, MAX_INTERVAL_MS } from './settings.js';

const spec = (interval: string): CanarySpec =>
  ({ targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a' }, analysis: { interval } }) as CanarySpec;

test('an analysis interval is clamped to 24 days, the longest Serin can time', () => {
  assert.equal(analysisIntervalMs(spec('40000m')), MAX_INTERVAL_MS);
  assert.equal(analysisIntervalMs(spec('1m30s')), 90_000);
  assert.equal(analysisIntervalMs(spec('1s')), 10_000, 'Flagger’s 10 s floor');
});

test('an interval longer than 24 days is a spec problem that names the field and the fix', () => {
  assert.equal(
    durationProblem(spec('40000m')),
    'analysis.interval: 40000m is longer than 24 days, the longest interval Serin can time; use a shorter interval such as 1m',
  );
  assert.equal(durationProblem(spec('576h')), undefined, 'exactly 24 days is allowed');
  assert.equal(durationProblem(spec('1m')), undefined);
  assert.match(durationProblem(spec(`${'9'.repeat(500)}h`)) ?? '', /^analysis\.interval: 9{40}… is not a duration/);
  assert.equal(
    durationProblem(spec('5mx')),
    'analysis.interval: 5mx is not a duration Serin can time; use one like 30s, 1m or 1m30s',
  );
});
