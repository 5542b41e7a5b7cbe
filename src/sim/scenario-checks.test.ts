import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Scenario } from './scenario.js';
import { scenarioWebhooks } from './scenario-checks.js';

const scenario = { webhooks: { gate: 'pass' } } as unknown as Scenario;

test('a simulated hook whose timeout the operator could not use fails as it would in the operator', async () => {
  const call = scenarioWebhooks(scenario);
  assert.deepEqual(await call({ name: 'gate', url: 'http://gate/', timeout: '1m30s' }, {} as never), {
    ok: true,
    name: 'gate',
  });
  assert.deepEqual(await call({ name: 'gate', url: 'http://gate/', timeout: '5mx' }, {} as never), {
    ok: false,
    name: 'gate',
    reason: 'webhook "gate": timeout "5mx" is not a duration like 500ms, 30s or 1m30s',
  });
});
