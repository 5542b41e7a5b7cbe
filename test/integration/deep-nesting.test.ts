/**
 * Issue #10: a Canary the API server stored 6,000 levels deep (in `spec.service.trafficPolicy`,
 * which keeps unknown fields) overflowed the stack of the status writer, so no condition was ever
 * written. It must get `Reconciled=False` naming the field, and the canary beside it must go on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { canaryEventList, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();
const DEPTH = 6000;

/** The Canary as JSON text: built as text, since no JSON.stringify survives this depth. */
function deepCanaryJson(ns: string, name: string): string {
  const shallow = seedLikeCanary(ns, name, { hpa: false }) as unknown as { spec: { service: Record<string, unknown> } };
  shallow.spec.service.trafficPolicy = { marker: true };
  const nested = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
  return JSON.stringify(shallow).replace('{"marker":true}', nested);
}

describe('an object nested deeper than Serin reads', () => {
  test('a Canary 6,000 levels deep gets Reconciled=False naming the field; the canary beside it is promoted', async (t) => {
    const ns = await freshNamespace(t, kc, 'deep');
    await apply(appConfigMap(ns, 'good', { k: 'v1' }), appDeployment(ns, 'good', { replicas: 1 }));
    await apply(seedLikeCanary(ns, 'good', { hpa: false, analysis: { stepWeight: 50 } }));
    await apply(appConfigMap(ns, 'deep', { k: 'v1' }), appDeployment(ns, 'deep', { replicas: 1 }));
    const created = await new KubeRest(kc).request(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`, {
      method: 'POST',
      rawBody: deepCanaryJson(ns, 'deep'),
    });
    assert.equal(created.status, 201, `the API server stores it: ${created.body.slice(0, 300)}`);
    await startTestOperator(t, ns);

    const condition = await eventually('Reconciled=False on the deep canary', async () => {
      const found = (await readCanary(ns, 'deep')).status?.conditions?.find((c) => c.type === 'Reconciled');
      return found?.status === 'False' ? found : undefined;
    });
    t.diagnostic(`${condition.reason}: ${condition.message}`);
    assert.equal(condition.reason, 'InvalidSpec');
    assert.match(condition.message ?? '', /spec\.service\.trafficPolicy\.a\.a\.a.*is nested more than 100 levels deep/);
    const events = await canaryEventList(ns, 'deep');
    assert.ok(events.some((e) => e.type === 'Warning' && /spec\.service\.trafficPolicy/.test(e.message)));

    await waitForPhase(ns, 'good', 'Initialized');
    await setImage(ns, 'good', 'registry.example.com/shop/good:2.0.0');
    await waitForPhase(ns, 'good', 'Succeeded', 60_000);
  });
});
