import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from './kube-types.js';
import { includeByPrefix } from './labels.js';
import { newPrimaryDeployment, promotedPrimaryDeployment, type PrimaryContext } from './primary-deployment.js';

const owner = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'account', uid: 'u1', controller: true };

function target(image = 'account:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'account',
      namespace: 'shop',
      labels: { app: 'account', 'app.kubernetes.io/part-of': 'shop', 'kustomize.toolkit.fluxcd.io/name': 'x' },
      annotations: { 'app.kubernetes.io/note': 'n', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 120,
      strategy: { type: 'RollingUpdate' },
      selector: { matchLabels: { app: 'account' } },
      template: {
        metadata: { labels: { app: 'account', tier: 'web' }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          containers: [{ name: 'account', image, envFrom: [{ configMapRef: { name: 'account-config' } }] }],
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['account'] }] } },
              ],
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, podAffinityTerm: { labelSelector: { matchLabels: { app: 'account', tier: 'account' } } } },
              ],
            },
          },
          topologySpreadConstraints: [{ maxSkew: 1, labelSelector: { matchLabels: { app: 'account' } } }],
        },
      },
    },
  };
}

const context: PrimaryContext = {
  labelKey: 'app',
  labelValue: 'account',
  selectorLabels: ['app', 'name', 'app.kubernetes.io/name'],
  includeLabelPrefixes: ['app.kubernetes.io'],
  trackedConfigs: new Set(['configmap/account-config']),
  flaggerId: 'rev-1',
};

describe('newPrimaryDeployment', () => {
  const primary = newPrimaryDeployment(target(), context, owner, 2);

  test('selects and labels primary pods with the rewritten selector label value', () => {
    assert.equal(primary.metadata.name, 'account-primary');
    assert.deepEqual(primary.spec.selector, { matchLabels: { app: 'account-primary' } });
    assert.deepEqual(primary.spec.template.metadata?.labels, { app: 'account-primary', tier: 'web' });
    assert.deepEqual(primary.spec.template.metadata?.annotations, {
      'prometheus.io/scrape': 'true',
      'flagger-id': 'rev-1',
    });
  });

  test('copies only prefixed labels and annotations to the object, never Flux toolkit ones', () => {
    assert.deepEqual(primary.metadata.labels, { 'app.kubernetes.io/part-of': 'shop', app: 'account-primary' });
    assert.deepEqual(primary.metadata.annotations, { 'app.kubernetes.io/note': 'n' });
    assert.deepEqual(primary.metadata.ownerReferences, [owner]);
  });

  test('copies rollout settings and uses -primary configs', () => {
    assert.equal(primary.spec.replicas, 2);
    assert.equal(primary.spec.progressDeadlineSeconds, 120);
    assert.deepEqual(primary.spec.strategy, { type: 'RollingUpdate' });
    assert.equal(primary.spec.template.spec.containers[0]?.envFrom?.[0]?.configMapRef?.name, 'account-config-primary');
  });

  test('keeps primary pods apart from each other where the target kept its pods apart; leaves other values', () => {
    const pod = primary.spec.template.spec;
    const anti = pod.affinity?.podAntiAffinity;
    assert.deepEqual(
      anti?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.labelSelector?.matchExpressions?.[0]?.values,
      ['account-primary'],
    );
    assert.deepEqual(
      anti?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm.labelSelector?.matchLabels,
      {
        app: 'account-primary',
        tier: 'account', // not a selector label
      },
    );
    assert.deepEqual(pod.topologySpreadConstraints?.[0]?.labelSelector?.matchLabels, { app: 'account-primary' });
  });
});

describe('promotedPrimaryDeployment', () => {
  const current = { ...newPrimaryDeployment(target(), context, owner, 3), status: { replicas: 3 } };
  current.metadata.resourceVersion = '42';

  test("copies the target's template but keeps the primary's selector, identity and status", () => {
    const next = promotedPrimaryDeployment(current, target('account:2'), { ...context, flaggerId: 'rev-2' }, false);
    assert.equal(next.spec.template.spec.containers[0]?.image, 'account:2');
    assert.equal(next.spec.template.metadata?.annotations?.['flagger-id'], 'rev-2');
    assert.deepEqual(next.spec.selector, current.spec.selector);
    assert.equal(next.metadata.resourceVersion, '42');
    assert.equal(next.spec.replicas, 3, 'replicas untouched when an autoscaler manages them');
  });

  test('takes the target replicas when no autoscaler manages the primary', () => {
    assert.equal(promotedPrimaryDeployment(current, target(), context, true).spec.replicas, 2);
  });
});

describe('includeByPrefix', () => {
  test('keeps all with *, none without prefixes, ignores empty entries', () => {
    const m = { 'a/b': '1', c: '2', 'x.toolkit.fluxcd.io/y': '3' };
    assert.deepEqual(includeByPrefix(m, ['*']), { 'a/b': '1', c: '2' });
    assert.deepEqual(includeByPrefix(m, []), {});
    assert.deepEqual(includeByPrefix(m, ['', 'a']), { 'a/b': '1' });
  });
});
