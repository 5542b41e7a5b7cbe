import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scanConfigRefs, withPrimaryConfigRefs } from './config-refs.js';
import type { PodSpec } from './kube-types.js';

const pod: PodSpec = {
  initContainers: [
    { name: 'migrate', envFrom: [{ secretRef: { name: 'db' } }], env: [{ name: 'X', value: 'literal' }] },
  ],
  containers: [
    {
      name: 'app',
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'token', key: 't', optional: true } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      envFrom: [{ configMapRef: { name: 'flags', optional: true } }],
    },
  ],
  volumes: [
    { name: 'config', configMap: { name: 'account-config' } },
    { name: 'tls', secret: { secretName: 'tls', optional: true } },
    {
      name: 'bundle',
      projected: {
        sources: [{ configMap: { name: 'ca' } }, { secret: { name: 'token' } }, { serviceAccountToken: {} }],
      },
    },
    { name: 'scratch', emptyDir: {} },
  ],
};

describe('scanConfigRefs', () => {
  test('finds volumes, projected sources, env and envFrom of containers and init containers, in key order', () => {
    assert.deepEqual(
      scanConfigRefs(pod).map((r) => `${r.kind}/${r.name}${r.optional ? '?' : ''}`),
      [
        'configmap/account-config',
        'configmap/ca',
        'configmap/flags?',
        'configmap/settings',
        'secret/db',
        'secret/tls?',
        'secret/token', // optional in env, required in the projected volume: required
      ],
    );
  });

  test('finds nothing in a pod without configs', () => {
    assert.deepEqual(scanConfigRefs({ containers: [{ name: 'app', image: 'x' }] }), []);
  });
});

describe('withPrimaryConfigRefs', () => {
  test('points tracked references at -primary copies and leaves the others and the input alone', () => {
    const before = structuredClone(pod);
    const tracked = new Set(['configmap/account-config', 'configmap/ca', 'secret/db', 'secret/token']);
    const out = withPrimaryConfigRefs(pod, tracked);
    assert.deepEqual(pod, before, 'input unchanged');
    assert.equal(out.volumes?.[0]?.configMap?.name, 'account-config-primary');
    assert.equal(out.volumes?.[1]?.secret?.secretName, 'tls', 'untracked secret keeps its name');
    assert.equal(out.volumes?.[2]?.projected?.sources?.[0]?.configMap?.name, 'ca-primary');
    assert.equal(out.volumes?.[2]?.projected?.sources?.[1]?.secret?.name, 'token-primary');
    assert.equal(out.initContainers?.[0]?.envFrom?.[0]?.secretRef?.name, 'db-primary');
    assert.equal(out.containers[0]?.env?.[0]?.valueFrom?.configMapKeyRef?.name, 'settings', 'untracked');
    assert.equal(out.containers[0]?.env?.[1]?.valueFrom?.secretKeyRef?.name, 'token-primary');
    assert.equal(out.containers[0]?.envFrom?.[0]?.configMapRef?.name, 'flags');
  });
});
