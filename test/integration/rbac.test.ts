/**
 * deploy/rbac.yaml is enough: the operator runs as a ServiceAccount bound to that ClusterRole and
 * takes a canary through initialization, a release with an HPA, a tracked ConfigMap and alerts
 * (AlertProvider + Secret), promotion, and deletion with revertOnDeletion — elected through a Lease.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/kube/objects.js';
import { eventually, freshNamespace, serviceAccountKubeconfig, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, appHpa, seedLikeCanary } from '../support/fixtures.js';
import { canaryEvents, deleteCanary, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { startRecordingServer } from '../support/prometheus.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();
const RBAC = resolve(import.meta.dirname, '../../deploy/rbac.yaml');

test('the operator does a whole release with only the rights deploy/rbac.yaml grants', async (t) => {
  const docs = parseAllDocuments(await readFile(RBAC, 'utf8')).map((d) => d.toJS() as KubeObject);
  const role = docs.find((d) => d.kind === 'ClusterRole');
  assert.ok(role, 'deploy/rbac.yaml has a ClusterRole');
  await apply(role);

  const ns = await freshNamespace(t, kc, 'rbac-op');
  const kubeconfig = await serviceAccountKubeconfig(kc, ns, 'serin');
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `serin-${ns}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name ?? '' },
      subjects: [{ kind: 'ServiceAccount', name: 'serin', namespace: ns }],
    },
  });
  t.after(() => rbac.deleteClusterRoleBinding({ name: `serin-${ns}` }).catch(() => undefined));

  const chat = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
  t.after(() => chat.close());
  await apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'chat', namespace: ns },
      stringData: { address: `${chat.url}/slack` },
    } as KubeObject,
    {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'AlertProvider',
      metadata: { name: 'on-call', namespace: ns },
      spec: { type: 'slack', channel: 'releases', secretRef: { name: 'chat' } },
    } as KubeObject,
    appConfigMap(ns, 'account', { k: 'v1' }),
    appDeployment(ns, 'account', { replicas: 1 }),
    appHpa(ns, 'account', 1, 2),
    seedLikeCanary(ns, 'account', {
      analysis: {
        interval: '1s',
        stepWeight: 50,
        maxWeight: 50,
        alerts: [{ name: 'all', providerRef: { name: 'on-call' } }],
      },
      spec: { revertOnDeletion: true },
    }),
  );
  const operator = await startTestOperator(t, ns, {
    kubeconfig,
    leaderElection: { namespace: ns, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 },
  });
  await waitForPhase(ns, 'account', 'Initialized', 60_000);
  await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
  await waitForPhase(ns, 'account', 'Succeeded', 60_000);
  assert.ok(operator.isLeader(), 'it holds the Lease');
  const done = await readCanary(ns, 'account');
  assert.notEqual(
    done.status?.conditions?.find((c) => c.type === 'Reconciled')?.status,
    'False',
    'no problem reported on the way',
  );
  const events = await canaryEvents(ns, 'account');
  assert.ok(
    events.some((e) => /Promotion completed! Scaling down account\./.test(e)),
    events.join('\n'),
  );
  await eventually('the promotion alert', () =>
    Promise.resolve(chat.seen.some((r) => r.body.includes('promotion finished')) || undefined),
  );

  await deleteCanary(ns, 'account');
  await eventually(
    'the canary released by its finalizer',
    async () => {
      try {
        await readCanary(ns, 'account');
        return undefined;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return true;
        throw err;
      }
    },
    60_000,
  );
});

test('an operator whose rights do not let it list what it watches stops at start, naming the kinds and the fix', async (t) => {
  const ns = await freshNamespace(t, kc, 'rbac-none');
  const kubeconfig = await serviceAccountKubeconfig(kc, ns, 'serin-without-rights');
  await assert.rejects(startTestOperator(t, ns, { kubeconfig, cacheSyncTimeoutMs: 3000 }), (err: Error) => {
    assert.equal(err.name, 'OperatorStartError');
    assert.match(err.message, /^the watch caches did not fill within 3s \(/);
    assert.match(err.message, /flagger\.app\/v1beta1\/Canary: [^;]*forbidden/);
    assert.match(err.message, /grant the operator get, list and watch on it \(deploy\/rbac\.yaml\)$/);
    return true;
  });
});
