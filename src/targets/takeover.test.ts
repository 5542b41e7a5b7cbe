import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanaryStatus } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { foreignRevision, recordedRevision, templateChangedAt } from './takeover.js';

const FLAGGER_HASH = '58cb4d58f';

function deployment(
  ...entries: { manager: string; time?: string; subresource?: string; fields: object }[]
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'app',
      namespace: 'shop',
      managedFields: entries.map((e) => ({
        manager: e.manager,
        operation: 'Update',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        ...(e.time ? { time: e.time } : {}),
        ...(e.subresource ? { subresource: e.subresource } : {}),
        fieldsV1: e.fields,
      })),
    },
  } as KubeObject;
}

const TEMPLATE = { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': {} } } } };
const REPLICAS = { 'f:spec': { 'f:replicas': {} } };

function status(phase: string, lastTransitionTime: string, applied = FLAGGER_HASH): CanaryStatus {
  return { phase, lastAppliedSpec: applied, lastPromotedSpec: applied, lastTransitionTime } as CanaryStatus;
}

describe('which recorded revisions Serin takes over', () => {
  test('only hashes Serin cannot have written are foreign: Flagger’s, not Serin’s or an empty one', () => {
    assert.equal(foreignRevision(status('Succeeded', '', FLAGGER_HASH)), FLAGGER_HASH);
    assert.equal(foreignRevision(status('Succeeded', '', 'd8e60b82717d6203')), undefined);
    assert.equal(foreignRevision(status('Succeeded', '', '')), undefined);
    assert.equal(foreignRevision(undefined), undefined);
  });

  test('the template changed when the last manager owning template fields wrote; status and scale writes do not count', () => {
    const d = deployment(
      { manager: 'kubectl', time: '2026-12-01T10:00:00Z', fields: TEMPLATE },
      { manager: 'argocd', time: '2026-12-01T10:05:00Z', fields: TEMPLATE },
      { manager: 'flagger', time: '2026-12-01T11:00:00Z', fields: REPLICAS },
      { manager: 'kube-controller-manager', time: '2026-12-01T12:00:00Z', subresource: 'status', fields: TEMPLATE },
      { manager: 'hpa', time: '2026-12-01T12:00:00Z', subresource: 'scale', fields: REPLICAS },
    );
    assert.equal(templateChangedAt(d), Date.parse('2026-12-01T10:05:00Z'));
  });

  test('no managed fields, or an entry without a time, means the change time cannot be told', () => {
    assert.equal(templateChangedAt(deployment()), undefined);
    assert.equal(templateChangedAt(deployment({ manager: 'old', fields: TEMPLATE })), undefined);
  });

  test('a template unchanged since Flagger last wrote the status is the revision it recorded', () => {
    const d = deployment({ manager: 'kubectl', time: '2026-12-01T10:00:00Z', fields: TEMPLATE });
    const found = recordedRevision(status('Progressing', '2026-12-01T10:00:01Z'), d, () => false);
    assert.equal(found?.adopt, true);
    assert.equal(found?.recorded, FLAGGER_HASH);
    assert.match(
      found?.reason ?? '',
      /last changed at 2026-12-01T10:00:00Z, before the status was written at 2026-12-01T10:00:01Z/,
    );
  });

  test('a template changed in the same second as the status write, or later, is a new revision (times have second precision)', () => {
    const d = deployment({ manager: 'kubectl', time: '2026-12-01T10:00:01Z', fields: TEMPLATE });
    assert.equal(recordedRevision(status('Progressing', '2026-12-01T10:00:01Z'), d, () => false)?.adopt, false);
    const later = recordedRevision(status('Succeeded', '2026-12-01T09:00:00Z'), d, () => false);
    assert.equal(later?.adopt, false);
    assert.match(
      later?.reason ?? '',
      /changed at 2026-12-01T10:00:01Z, after the status was written at 2026-12-01T09:00:00Z/,
    );
  });

  test('in a settled phase a primary running the same template is evidence enough, whatever the times say', () => {
    const d = deployment({ manager: 'kubectl', time: '2026-12-01T10:00:01Z', fields: TEMPLATE });
    assert.equal(recordedRevision(status('Succeeded', '2026-12-01T09:00:00Z'), d, () => true)?.adopt, true);
    assert.equal(recordedRevision(status('Initialized', '2026-12-01T09:00:00Z'), d, () => true)?.adopt, true);
    // Mid-analysis the primary runs the previous revision: its template says nothing about the recorded one.
    assert.equal(recordedRevision(status('Progressing', '2026-12-01T09:00:00Z'), d, () => true)?.adopt, false);
  });

  test('without managed fields and without a matching primary, the template is analysed as a new revision', () => {
    const found = recordedRevision(status('Failed', '2026-12-01T09:00:00Z'), deployment(), () => false);
    assert.equal(found?.adopt, false);
    assert.match(found?.reason ?? '', /cannot be told/);
  });

  test('a status Serin wrote is not a takeover', () => {
    const d = deployment({ manager: 'kubectl', time: '2026-12-01T10:00:00Z', fields: TEMPLATE });
    assert.equal(
      recordedRevision(status('Succeeded', '2026-12-01T11:00:00Z', 'd8e60b82717d6203'), d, () => true),
      undefined,
    );
  });
});
