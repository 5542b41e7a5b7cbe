/**
 * A Canary with both a traffic gate and a promotion gate: at the top step the engine asks the one,
 * then the other, in one reconcile. The controller once kept only the last gate's answer, so the
 * engine asked again and again until the reconcile gave up, and the release never promoted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/objects.js';
import type { Scenario } from '../sim/scenario.js';
import { simulate } from '../sim/simulation.js';
import { accountCanary, accountDeployment } from './account.test-support.js';

test('a traffic gate and a promotion gate that both say yes let the release promote', async () => {
  const gate = (name: string, type: string) => ({ name, type, url: `http://gates.shop/${name}` });
  const canary = accountCanary({
    interval: '1m',
    threshold: 2,
    stepWeight: 25,
    maxWeight: 50,
    metrics: [],
    webhooks: [gate('more-traffic', 'confirm-traffic-increase'), gate('go-live', 'confirm-promotion')],
  });
  const scenario: Scenario = {
    apiVersion: 'serin.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'two-gates' },
    duration: '30m',
    versions: [{ name: 'any' }],
    steps: [{ at: '1m', setImage: { deployment: 'account', image: 'shop/account:2' } }],
  } as unknown as Scenario;
  const timeline = await simulate({
    objects: [canary, accountDeployment('shop/account:1')] as KubeObject[],
    scenario,
    namespace: 'shop',
  });
  const messages = timeline.entries.map((e) => e.message);
  assert.ok(!messages.some((m) => /asked more than/.test(m)), messages.join('\n'));
  assert.equal(timeline.verdict.result, 'promoted', messages.join('\n'));
  assert.deepEqual(
    timeline.weights.map((w) => w.canaryWeight).filter((w, i, all) => w !== all[i - 1]),
    [0, 25, 50, 0],
  );
});
