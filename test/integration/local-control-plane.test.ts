import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { UNREADY_ANNOTATION } from '../../src/devcluster/kwok-stages.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

describe('the local control plane behaves like a real cluster', () => {
  test('the API server is the real kube-apiserver built from Go modules', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    assert.match(version.gitVersion, /^v1\.\d+\.\d+$/);
    assert.equal(version.major, '1');
  });

  test('a Deployment becomes Available with Ready pods (scheduler + kwok), and deleting it garbage-collects its ReplicaSet (controller-manager)', async (t) => {
    const namespace = await freshNamespace(t, kc, 'kwok');
    const labels = { app: 'podinfo' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'podinfo', labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'podinfo', image: 'ghcr.io/stefanprodan/podinfo:6.7.0' }] },
          },
        },
      },
    });

    const available = await eventually('Deployment podinfo Available', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'podinfo', namespace });
      const ok = d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
      return ok && d.status?.readyReplicas === 2 ? d : undefined;
    });
    assert.equal(available.status?.availableReplicas, 2);

    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=podinfo' });
    assert.equal(pods.items.length, 2);
    for (const pod of pods.items) {
      assert.equal(pod.status?.phase, 'Running');
      assert.equal(pod.spec?.nodeName, 'kwok-node-0', 'the scheduler bound the pod to the kwok node');
      assert.ok(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      assert.ok(pod.status?.podIP, 'kwok gave the pod an IP');
    }

    const [rs] = (await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=podinfo' })).items;
    assert.equal(rs?.metadata?.ownerReferences?.[0]?.name, 'podinfo', 'the ReplicaSet is owned by the Deployment');

    await apps.deleteNamespacedDeployment({ name: 'podinfo', namespace });
    await eventually('ReplicaSet and pods garbage-collected', async () => {
      const left = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=podinfo' });
      const podsLeft = await core.listNamespacedPod({ namespace, labelSelector: 'app=podinfo' });
      return left.items.length === 0 && podsLeft.items.length === 0 ? true : undefined;
    });
  });
});

describe('kwok can play an app that never becomes ready', () => {
  test('pods whose template carries the unready annotation run but stay unready, so the Deployment is not Available', async (t) => {
    const namespace = await freshNamespace(t, kc, 'unready');
    const labels = { app: 'broken' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'broken', labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations: { [UNREADY_ANNOTATION]: 'true' } },
            spec: { containers: [{ name: 'app', image: 'example.com/broken:1' }] },
          },
        },
      },
    });
    const pod = await eventually('pod Running', async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=broken' });
      return pods.items.find((p) => p.status?.phase === 'Running');
    });
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.ok(pod.status?.podIP, 'the pod still gets an IP');
    const d = await apps.readNamespacedDeployment({ name: 'broken', namespace });
    assert.equal(d.status?.availableReplicas ?? 0, 0);
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'False');
  });
});
