import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanarySpec } from '../api/index.js';
import { APPMESH_ROUTING, KUBERNETES_ROUTING } from './film.test-support.js';
import { analysisIntervalMs, MAX_INTERVAL_MS } from './settings.js';
import { specProblem } from './spec-problems.js';

const durationProblem = (spec: CanarySpec) => specProblem(spec, APPMESH_ROUTING);

const spec = (interval: string, analysis: Record<string, unknown> = { stepWeight: 10 }): CanarySpec =>
  ({
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a' },
    analysis: { interval, ...analysis },
  }) as CanarySpec;

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

test('a canary strategy whose first step is 0 never moves traffic, and says so', () => {
  assert.equal(
    specProblem(spec('1m', { stepWeights: [0, 0, 0] }), APPMESH_ROUTING),
    'analysis.stepWeights [0, 0, 0] never moves traffic to the canary (its first step is 0); set stepWeight above 0, stepWeights starting above 0, or iterations for blue/green',
  );
  assert.match(
    specProblem(spec('1m', { stepWeights: [] }), APPMESH_ROUTING) ?? '',
    /^analysis\.stepWeights \[\] never moves/,
  );
  assert.match(
    specProblem(spec('1m', { stepWeight: 0 }), APPMESH_ROUTING) ?? '',
    /^analysis\.stepWeight 0 never moves/,
  );
  assert.match(
    specProblem(spec('1m', { stepWeights: [0, 20, 50] }), APPMESH_ROUTING) ?? '',
    /^analysis\.stepWeights \[0, 20, 50\] never moves/,
    'a first rung of 0 is a step of 0, every tick',
  );
  assert.equal(specProblem(spec('1m', { stepWeights: [5, 20, 50] }), APPMESH_ROUTING), undefined);
  assert.equal(
    specProblem(spec('1m', { stepWeight: 0, iterations: 5 }), APPMESH_ROUTING),
    undefined,
    'blue/green has no steps',
  );
  assert.equal(
    specProblem(spec('1m', { stepWeight: 0 }), KUBERNETES_ROUTING),
    undefined,
    'the kubernetes provider runs blue/green',
  );
});
