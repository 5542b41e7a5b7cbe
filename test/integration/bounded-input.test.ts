import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { canaryEventList, readCanary, startTestOperator } from '../support/operator.js';
import { apply } from '../support/user.js';

const kc = testKubeConfig();

describe('user text is bounded wherever Serin quotes it', () => {
  test('a 1 MB targetRef.name gets a bounded condition and event instead of a status write the API server refuses', async (t) => {
    const ns = await freshNamespace(t, kc, 'bounded');
    const huge = 'a'.repeat(1_000_000);
    const canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'huge', namespace: ns },
      spec: {
        provider: 'appmesh:v1beta2',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: huge },
        service: { port: 8080 },
        analysis: { interval: '1s', threshold: 1, stepWeight: 10 },
      },
    };
    await apply(canary);
    await startTestOperator(t, ns);
    const condition = await eventually('a Reconciled condition', async () =>
      (await readCanary(ns, 'huge')).status?.conditions?.find((c) => c.type === 'Reconciled'),
    );
    assert.equal(condition.status, 'False');
    assert.ok((condition.message ?? '').length <= 1024, `condition message of ${condition.message?.length} characters`);
    assert.match(condition.message ?? '', /… \(\d+ more characters\)$/);
    const events = await canaryEventList(ns, 'huge');
    assert.ok(events.length > 0 && events.every((e) => e.message.length <= 1024));
  });
});
