import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment, DeploymentCondition } from './kube-types.js';
import { deploymentReadiness, readyThresholdReplicas } from './readiness.js';

const now = Date.parse('2026-07-14T12:00:00Z');

function deployment(
  replicas: number,
  status: { updated: number; total: number; available: number },
  conditions: DeploymentCondition[] = [],
  generation = { desired: 2, observed: 2 },
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'account', namespace: 'shop', generation: generation.desired },
    spec: { replicas, selector: {}, template: { spec: { containers: [] } } },
    status: {
      observedGeneration: generation.observed,
      replicas: status.total,
      updatedReplicas: status.updated,
      availableReplicas: status.available,
      conditions,
    },
  };
}

const progressing: DeploymentCondition = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' };
const unavailableSince = (iso: string): DeploymentCondition => ({
  type: 'Available',
  status: 'False',
  reason: 'MinimumReplicasUnavailable',
  lastUpdateTime: iso,
});

describe('deploymentReadiness (Flagger §3.6)', () => {
  test('is ready when all updated replicas are available', () => {
    assert.deepEqual(deploymentReadiness(deployment(2, { updated: 2, total: 2, available: 2 }), 600, 100, now), {
      ready: true,
    });
  });

  test('waits, retriable, while the controller has not observed the latest generation', () => {
    const d = deployment(2, { updated: 2, total: 2, available: 2 }, [], { desired: 3, observed: 2 });
    assert.deepEqual(deploymentReadiness(d, 600, 100, now), {
      ready: false,
      retriable: true,
      reason: 'waiting for rollout to finish: observed deployment generation less than desired generation',
    });
  });

  test('reports updated, terminating and available replicas in that order', () => {
    const reason = (replicas: number, s: { updated: number; total: number; available: number }) => {
      const r = deploymentReadiness(deployment(replicas, s), 600, 100, now);
      return r.ready ? 'ready' : r.reason;
    };
    assert.equal(
      reason(3, { updated: 1, total: 3, available: 1 }),
      'waiting for rollout to finish: 1 out of 3 new replicas have been updated',
    );
    assert.equal(
      reason(2, { updated: 2, total: 3, available: 2 }),
      'waiting for rollout to finish: 1 old replicas are pending termination',
    );
    assert.equal(
      reason(2, { updated: 2, total: 2, available: 1 }),
      'waiting for rollout to finish: 1 of 2 (readyThreshold 100%) updated replicas are available',
    );
  });

  test('counts the ready threshold in percent of updated replicas', () => {
    const d = deployment(4, { updated: 4, total: 4, available: 2 });
    assert.deepEqual(deploymentReadiness(d, 600, 50, now), { ready: true });
    const r = deploymentReadiness(d, 600, 75, now);
    assert.equal(
      r.ready ? '' : r.reason,
      'waiting for rollout to finish: 2 of 3 (readyThreshold 75%) updated replicas are available',
    );
  });

  test('gives up (non-retriable) when the Deployment exceeded its progress deadline', () => {
    const d = deployment(2, { updated: 2, total: 2, available: 0 }, [
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
    ]);
    assert.deepEqual(deploymentReadiness(d, 600, 100, now), {
      ready: false,
      retriable: false,
      reason: 'deployment "account" exceeded its progress deadline',
    });
  });

  test('gives up when replicas have been unavailable for longer than the canary deadline', () => {
    const status = { updated: 2, total: 2, available: 0 };
    const stuck = deployment(2, status, [progressing, unavailableSince('2026-07-14T11:49:59Z')]);
    const r = deploymentReadiness(stuck, 600, 100, now);
    assert.equal(r.ready || r.retriable, false);
    const recent = deployment(2, status, [progressing, unavailableSince('2026-07-14T11:50:00Z')]);
    const r2 = deploymentReadiness(recent, 600, 100, now);
    assert.equal(!r2.ready && r2.retriable, true, 'exactly at the deadline is still retriable (Go Before is strict)');
  });
});

describe('readyThresholdReplicas', () => {
  test('truncates in float32 as Go does', () => {
    assert.equal(readyThresholdReplicas(10, 70), 7);
    assert.equal(readyThresholdReplicas(3, 70), 2);
    assert.equal(readyThresholdReplicas(1, 99), 0);
    assert.equal(readyThresholdReplicas(0, 100), 0);
  });
});
