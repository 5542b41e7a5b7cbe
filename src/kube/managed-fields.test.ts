import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { templateChangedAt } from '../targets/takeover.js';
import { compactManagedFields, withoutManagedFields } from './managed-fields.js';
import type { KubeObject } from './objects.js';

/** A Deployment as the API server returns it after a GitOps apply, a scale and a status write. */
function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'account',
      namespace: 'shop',
      managedFields: [
        {
          manager: 'gitops',
          operation: 'Apply',
          apiVersion: 'apps/v1',
          time: '2026-12-01T10:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:spec': {
              'f:replicas': {},
              'f:selector': {},
              'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': {} } },
            },
          },
        },
        {
          manager: 'flagger',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2026-12-02T09:30:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2026-12-03T08:00:00Z',
          subresource: 'status',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:replicas': {}, 'f:conditions': {} } },
        },
      ],
    } as KubeObject['metadata'],
    spec: { replicas: 2 },
  };
}

describe('managedFields in the watch caches', () => {
  test('the compact form keeps who, how and when, and which entries own the pod template', () => {
    const compact = compactManagedFields(deployment());
    assert.deepEqual((compact.metadata as { managedFields?: unknown }).managedFields, [
      {
        manager: 'gitops',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2026-12-01T10:00:00Z',
        fieldsV1: { 'f:spec': { 'f:template': {} } },
      },
      { manager: 'flagger', operation: 'Update', apiVersion: 'apps/v1', time: '2026-12-02T09:30:00Z' },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-12-03T08:00:00Z',
        subresource: 'status',
      },
    ]);
    assert.ok(JSON.stringify(compact).length < JSON.stringify(deployment()).length);
  });

  test('the takeover reads the same template change time from the compact form as from the full one', () => {
    const full = templateChangedAt(deployment());
    assert.equal(full, Date.parse('2026-12-01T10:00:00Z'));
    assert.equal(templateChangedAt(compactManagedFields(deployment())), full);
  });

  test('an update sends no managedFields (the server keeps its record) and leaves the cached object whole', () => {
    const cached = compactManagedFields(deployment());
    const sent = withoutManagedFields(cached);
    assert.equal('managedFields' in sent.metadata, false);
    assert.deepEqual(sent.metadata, { name: 'account', namespace: 'shop' });
    assert.equal(
      (cached.metadata as { managedFields?: unknown[] }).managedFields?.length,
      3,
      'the cache keeps its copy',
    );
    const bare: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } };
    assert.equal(withoutManagedFields(bare), bare);
  });
});
