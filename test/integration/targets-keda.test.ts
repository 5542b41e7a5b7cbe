/**
 * A Deployment scaled by a KEDA ScaledObject, released through Serin on the real cluster with KEDA's
 * own ScaledObject CRD (from its Go module) installed. KEDA's operator does not run here: the test
 * checks what Serin writes for it — the primary's ScaledObject, and the pause annotation that keeps
 * KEDA from scaling the idle target back up.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KubeRest } from '../../src/kube/rest.js';
import { PAUSED_REPLICAS_ANNOTATION } from '../../src/targets/keda.js';
import type { Deployment, ScaledObject } from '../../src/targets/kube-types.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, blueGreenCanary } from '../support/fixtures.js';
import { startGate } from '../support/gate.js';
import { canaryEvents, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();
const rest = new KubeRest(kc);
const QUERY = 'sum(rate(http_requests_total{namespace="shop",deployment="podinfo"}[1m]))';

function scaledObject(ns: string): ScaledObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'podinfo', namespace: ns, annotations: { 'team.example.com/owner': 'shop' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      minReplicaCount: 3,
      maxReplicaCount: 6,
      cooldownPeriod: 120,
      advanced: { horizontalPodAutoscalerConfig: { name: 'podinfo-hpa' } },
      triggers: [
        {
          type: 'prometheus',
          name: 'rps',
          metadata: { serverAddress: 'http://prometheus:9090', query: QUERY, threshold: '100' },
        },
      ],
    },
  };
}

/** The blue/green Canary of podinfo, scaled by its ScaledObject; promotion waits at a gate. */
const kedaCanary = (ns: string, gate: string) =>
  blueGreenCanary(ns, [{ name: 'release-approval', type: 'confirm-promotion', url: gate, timeout: '5s' }], {
    iterations: 2,
    spec: { autoscalerRef: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'podinfo' } },
  });

const soPath = (ns: string, name: string) => `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/${name}`;
const deployment = (ns: string, name: string) =>
  rest.json<Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
const paused = (so: ScaledObject) => so.metadata.annotations?.[PAUSED_REPLICAS_ANNOTATION];

describe('KEDA ScaledObject as autoscalerRef: real cluster with the KEDA CRD', () => {
  test('the primary gets its own ScaledObject; the idle target is paused at zero, resumed for a run, and paused again after promotion', async (t) => {
    const ns = await freshNamespace(t, kc, 'keda');
    const gate = await startGate(t);
    await apply(
      appConfigMap(ns, 'podinfo', { 'application.properties': 'server.port=9898' }),
      appDeployment(ns, 'podinfo', { image: 'podinfo:1.0.0', replicas: 1 }),
      scaledObject(ns),
      kedaCanary(ns, gate.url),
    );
    await startTestOperator(t, ns, { meshProvider: 'kubernetes' });
    await waitForPhase(ns, 'podinfo', 'Initialized');

    const primary = await rest.json<ScaledObject>(soPath(ns, 'podinfo-primary'));
    assert.deepEqual(primary.spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'podinfo-primary',
    });
    assert.equal(primary.spec.triggers[0]?.metadata.query, QUERY.replace('"podinfo"', '"podinfo-primary"'));
    assert.equal(primary.spec.advanced?.horizontalPodAutoscalerConfig?.name, 'podinfo-hpa-primary');
    assert.equal(primary.spec.minReplicaCount, 3);
    assert.equal(primary.metadata.annotations?.['team.example.com/owner'], 'shop');
    assert.equal(paused(primary), undefined, 'the primary is never paused');
    assert.deepEqual(
      primary.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`),
      ['Canary/podinfo'],
    );
    const idle = await rest.json<ScaledObject>(soPath(ns, 'podinfo'));
    assert.equal(paused(idle), '0', 'the idle target is paused at zero replicas');
    assert.equal((await deployment(ns, 'podinfo')).spec.replicas, 0);

    // A new revision: KEDA may scale the target again, from its minimum; promotion waits at the gate.
    await setImage(ns, 'podinfo', 'podinfo:1.1.0');
    await waitForPhase(ns, 'podinfo', 'WaitingPromotion', 60_000);
    const running = await rest.json<ScaledObject>(soPath(ns, 'podinfo'));
    assert.equal(paused(running), undefined, 'resumed for the run');
    assert.equal((await deployment(ns, 'podinfo')).spec.replicas, 3, "from the ScaledObject's minReplicaCount");

    // The target's ScaledObject changes mid-run: the primary's follows.
    await rest.json(soPath(ns, 'podinfo'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { maxReplicaCount: 8 } },
    });
    await eventually('primary ScaledObject follows the target', async () => {
      const so = await rest.json<ScaledObject>(soPath(ns, 'podinfo-primary'));
      return so.spec.maxReplicaCount === 8 ? so : undefined;
    });

    gate.open();
    await waitForPhase(ns, 'podinfo', 'Succeeded', 60_000);
    const after = await rest.json<ScaledObject>(soPath(ns, 'podinfo'));
    assert.equal(paused(after), '0', 'paused again once promoted');
    assert.equal((await deployment(ns, 'podinfo')).spec.replicas, 0);
    assert.equal(paused(await rest.json<ScaledObject>(soPath(ns, 'podinfo-primary'))), undefined);
    const events = await canaryEvents(ns, 'podinfo');
    assert.ok(
      events.some((e) => e.includes('Promotion completed! Scaling down podinfo.')),
      events.join('\n'),
    );
  });

  test('a ScaledObject that does not exist is named on the Canary, and nothing is scaled down', async (t) => {
    const ns = await freshNamespace(t, kc, 'keda-missing');
    const gate = await startGate(t);
    await apply(
      appConfigMap(ns, 'podinfo', { 'application.properties': 'server.port=9898' }),
      appDeployment(ns, 'podinfo', { image: 'podinfo:1.0.0', replicas: 2 }),
      kedaCanary(ns, gate.url),
    );
    await startTestOperator(t, ns, { meshProvider: 'kubernetes' });
    const condition = await eventually('Reconciled=False naming the ScaledObject', async () => {
      const c = (await readCanary(ns, 'podinfo')).status?.conditions?.find((x) => x.type === 'Reconciled');
      return c?.status === 'False' && c.message?.includes('scaledobject') ? c : undefined;
    });
    assert.match(condition.message ?? '', new RegExp(`scaledobject ${ns}/podinfo not found`));
    assert.match(condition.message ?? '', /create the KEDA ScaledObject \(keda\.sh\/v1alpha1\)/);
    assert.equal((await deployment(ns, 'podinfo')).spec.replicas, 2, 'the target keeps serving');
  });
});
