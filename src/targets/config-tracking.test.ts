import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cluster } from '../kube/cluster.js';
import { objectKey, type KubeObject, type ObjectRef } from '../kube/objects.js';
import { ConfigTracker, trackedConfigMap } from './config-tracking.js';
import type { PodSpec } from './kube-types.js';
import { configChecksum } from './revision.js';

/** A read-only Cluster over fixed objects: tracking only reads caches. */
function cacheOf(objects: KubeObject[]): Cluster {
  const byKey = new Map(objects.map((o) => [`${o.kind}/${objectKey(o.metadata.namespace, o.metadata.name ?? '')}`, o]));
  const fail = () => Promise.reject(new Error('tracking must not write'));
  return {
    get: <T>(ref: ObjectRef) => byKey.get(`${ref.kind}/${objectKey(ref.namespace, ref.name)}`) as T | undefined,
    read: fail,
    list: () => [],
    subscribe: () => () => undefined,
    create: fail,
    update: fail,
    updateStatus: fail,
    patch: fail,
    delete: fail,
  };
}

const cm = (name: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop', ...(annotations ? { annotations } : {}) },
  data,
});
const secret = (name: string, type: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'shop' },
  type,
  data: { k: 'dg==' },
});

const pod: PodSpec = {
  containers: [{ name: 'app', envFrom: [{ configMapRef: { name: 'flags', optional: true } }] }],
  volumes: [
    { name: 'a', configMap: { name: 'account-config' } },
    { name: 'b', configMap: { name: 'generated', optional: true } },
    { name: 'c', secret: { secretName: 'db' } },
    { name: 'd', secret: { secretName: 'registry' } },
  ],
};

describe('ConfigTracker.track', () => {
  test('tracks configs and tracked Secret types with Flagger checksums; skips opted-out, registry and missing optional ones', () => {
    const tracker = new ConfigTracker(
      cacheOf([
        cm('account-config', { a: '1' }),
        cm('generated', { g: '1' }, { 'flagger.app/config-tracking': 'disabled' }),
        secret('db', 'Opaque'),
        secret('registry', 'kubernetes.io/dockerconfigjson'),
      ]),
      [],
    );
    const r = tracker.track('shop', pod, 'deployment shop/account');
    assert.ok(r.ok);
    assert.deepEqual(trackedConfigMap(r.value), {
      'configmap/account-config': configChecksum({ a: '1' }),
      'secret/db': configChecksum({ k: 'dg==' }),
    });
  });

  test('names a missing required config with the fix', () => {
    const r = new ConfigTracker(cacheOf([secret('db', 'Opaque')]), []).track('shop', pod, 'deployment shop/account');
    assert.deepEqual(r, {
      ok: false,
      problem: {
        message: 'configmap shop/account-config referenced by deployment shop/account not found',
        fix: 'create ConfigMap shop/account-config, or mark the reference optional: true, or correct its name in the pod template',
      },
    });
  });
});
