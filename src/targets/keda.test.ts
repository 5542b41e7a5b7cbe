import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import { primaryQuery, primarySpec } from './keda.js';
import type { ScaledObject } from './kube-types.js';

function canary(autoscalerRef: Record<string, unknown> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      autoscalerRef: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'podinfo-so', ...autoscalerRef },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5 },
    },
  } as Canary;
}

const source: ScaledObject['spec'] = {
  scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo', envSourceContainerName: 'app' },
  pollingInterval: 10,
  initialCooldownPeriod: 30,
  minReplicaCount: 2,
  maxReplicaCount: 6,
  advanced: { horizontalPodAutoscalerConfig: { name: 'podinfo-hpa', behavior: { scaleDown: {} } } },
  triggers: [
    {
      type: 'prometheus',
      name: 'rps',
      metadata: { serverAddress: 'http://prom:9090', query: 'sum(rate(http_requests_total{app="podinfo"}[1m]))' },
    },
    { type: 'cpu', metricType: 'Utilization', metadata: { value: '80' } },
  ],
};

describe('KEDA: the primary ScaledObject', () => {
  test('points a trigger query at the primary where the target stands as a name of its own', () => {
    const cases: [string, string][] = [
      ['rate(x{deployment="podinfo"}[1m])', 'rate(x{deployment="podinfo-primary"}[1m])'],
      ['rate(x{pod=~"podinfo-.*"}[1m])', 'rate(x{pod=~"podinfo-primary-.*"}[1m])'],
      ['x{deployment="podinfo-canary"}', 'x{deployment="podinfo-primary"}'],
      ['x{deployment="podinfo-primary"}', 'x{deployment="podinfo-primary"}'],
      [
        'x{deployment="mypodinfo"} + y{app="podinfo2"} + z{app="podinfo.v1"}',
        'x{deployment="mypodinfo"} + y{app="podinfo2"} + z{app="podinfo.v1"}',
      ],
      ['x{a="podinfo"} / x{b="podinfo-canary"}', 'x{a="podinfo-primary"} / x{b="podinfo-primary"}'],
      ['podinfo', 'podinfo-primary'],
    ];
    for (const [query, expected] of cases) assert.equal(primaryQuery(query, 'podinfo'), expected, query);
  });

  test('a target name with regular-expression characters is matched literally', () => {
    assert.equal(primaryQuery('x{a="web.1"} + x{a="webx1"}', 'web.1'), 'x{a="web.1-primary"} + x{a="webx1"}');
  });

  test('copies the whole spec aimed at the primary, with the HPA name suffixed and the primary bounds applied', () => {
    const spec = primarySpec(canary({ primaryScalerReplicas: { minReplicas: 3, maxReplicas: 9 } }), source);
    assert.deepEqual(spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'podinfo-primary',
      envSourceContainerName: 'app',
    });
    assert.equal(spec.advanced?.horizontalPodAutoscalerConfig?.name, 'podinfo-hpa-primary');
    assert.deepEqual(spec.advanced?.horizontalPodAutoscalerConfig?.behavior, { scaleDown: {} });
    assert.equal(spec.minReplicaCount, 3);
    assert.equal(spec.maxReplicaCount, 9);
    assert.equal(spec.pollingInterval, 10);
    assert.equal(spec.initialCooldownPeriod, 30, 'fields Flagger does not list are kept');
    assert.equal(spec.triggers[0]?.metadata.query, 'sum(rate(http_requests_total{app="podinfo-primary"}[1m]))');
    assert.deepEqual(spec.triggers[1], source.triggers[1], 'a trigger without a query is copied as is');
    assert.equal(source.scaleTargetRef.name, 'podinfo', 'the target spec is not changed');
    assert.equal(source.triggers[0]?.metadata.query, 'sum(rate(http_requests_total{app="podinfo"}[1m]))');
  });

  test('with primaryScalerQueries, the named triggers take the given query and the others keep theirs', () => {
    const given = 'sum(rate(http_requests_total{app="podinfo-primary",code!~"5.."}[1m]))';
    const spec = primarySpec(canary({ primaryScalerQueries: { rps: given, other: 'unused' } }), {
      ...source,
      triggers: [...source.triggers, { type: 'prometheus', name: 'queue', metadata: { query: 'q{app="podinfo"}' } }],
    });
    assert.equal(spec.triggers[0]?.metadata.query, given);
    assert.equal(spec.triggers[2]?.metadata.query, 'q{app="podinfo"}', 'not named: left as the target has it');
    assert.equal(spec.minReplicaCount, 2);
    assert.equal(spec.maxReplicaCount, 6);
  });

  test('without an HPA name in advanced, none is added', () => {
    const plain = Object.fromEntries(Object.entries(source).filter(([k]) => k !== 'advanced'));
    const spec = primarySpec(canary(), plain as ScaledObject['spec']);
    assert.equal('advanced' in spec, false);
  });
});
