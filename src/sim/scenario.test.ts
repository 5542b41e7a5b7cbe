import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationMs, parseScenario } from './scenario.js';

const scenarioWith = (at: string) =>
  `apiVersion: serin.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nversions: [{name: v}]\nsteps:\n  - at: ${at}\n    rolloutRestart: a\n`;

test('scenario durations are Go durations that are never negative', () => {
  assert.deepEqual(['1h30m', '45s', '500ms', '1.5m', '0', '-1m', '2d'].map(durationMs), [
    5_400_000,
    45_000,
    500,
    90_000,
    0,
    undefined,
    undefined,
  ]);
  assert.equal(parseScenario(scenarioWith('1m30s'), 'f.yaml').ok, true);
  assert.equal(parseScenario(scenarioWith('1.5m'), 'f.yaml').ok, true);
  const negative = parseScenario(scenarioWith('-1m'), 'f.yaml');
  assert.deepEqual(negative, {
    ok: false,
    error: 'f.yaml: steps[0].at: must be a duration such as 500ms, 30s or 1m30s, never negative, got "-1m"',
  });
});
