import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { daemonSetReadiness } from './daemonset-readiness.js';
import type { DaemonSet } from './kube-types.js';

const now = Date.parse('2026-07-14T12:00:00Z');
const started = now - 60_000;

function daemonSet(
  counts: { desired: number; updated: number; available: number },
  generation = { desired: 2, observed: 2 },
): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'account', namespace: 'shop', generation: generation.desired },
    spec: { selector: {}, template: { spec: { containers: [] } } },
    status: {
      observedGeneration: generation.observed,
      desiredNumberScheduled: counts.desired,
      updatedNumberScheduled: counts.updated,
      numberAvailable: counts.available,
    },
  };
}

describe('daemonSetReadiness (Flagger §3.6)', () => {
  test('waits, retriable, while the controller has not observed the latest generation', () => {
    const ds = daemonSet({ desired: 2, updated: 2, available: 2 }, { desired: 3, observed: 2 });
    assert.deepEqual(daemonSetReadiness(ds, 600, 100, started, now), {
      ready: false,
      retriable: true,
      reason: 'waiting for rollout to finish: observed daemonset generation less than desired generation',
    });
  });

  test('waits while nodes still run pods of an older template', () => {
    const r = daemonSetReadiness(daemonSet({ desired: 3, updated: 1, available: 3 }), 600, 100, started, now);
    assert.deepEqual(r, {
      ready: false,
      retriable: true,
      reason: 'waiting for rollout to finish: 1 out of 3 new pods have been updated',
    });
  });

  test('waits while fewer than the ready threshold of the desired pods are available', () => {
    const ds = daemonSet({ desired: 4, updated: 4, available: 1 });
    assert.deepEqual(daemonSetReadiness(ds, 600, 50, started, now), {
      ready: false,
      retriable: true,
      reason: 'waiting for rollout to finish: 1 of 2 (readyThreshold 50%) updated pods are available',
    });
    assert.deepEqual(daemonSetReadiness(daemonSet({ desired: 4, updated: 4, available: 2 }), 600, 50, started, now), {
      ready: true,
    });
  });

  test('is ready when every node runs an available pod of the current template, and at zero nodes', () => {
    assert.deepEqual(daemonSetReadiness(daemonSet({ desired: 2, updated: 2, available: 2 }), 600, 100, started, now), {
      ready: true,
    });
    assert.deepEqual(daemonSetReadiness(daemonSet({ desired: 0, updated: 0, available: 0 }), 1, 100, 0, now), {
      ready: true,
    });
  });

  test('stops retrying once progressDeadlineSeconds have passed since the canary’s last status change', () => {
    const ds = daemonSet({ desired: 2, updated: 2, available: 0 });
    assert.equal(daemonSetReadiness(ds, 60, 100, now - 60_000, now).ready, false);
    assert.deepEqual(daemonSetReadiness(ds, 59, 100, now - 60_000, now), {
      ready: false,
      retriable: false,
      reason: 'exceeded its progressDeadlineSeconds: 59',
    });
    const never = daemonSetReadiness(ds, 1, 100, undefined, now);
    assert.equal(!never.ready && never.retriable, true, 'no status written yet: no deadline');
  });
});
