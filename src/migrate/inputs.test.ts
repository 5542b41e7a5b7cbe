import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMigrateInputs } from './inputs.js';

const CANARY = `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: account
spec:
  provider: appmesh:v1beta2
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: account}
  service: {port: 8180}
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    webhooks: null
    alerts: null
`;

test('a Helm-rendered Canary with webhooks: null is read as the API server stores it, and migrated', () => {
  const inputs = parseMigrateInputs([['canary.yaml', CANARY]]);
  assert.deepEqual(inputs.problems, []);
  assert.equal(inputs.canaries.length, 1);
  assert.equal((inputs.canaries[0]?.canary.spec.analysis as Record<string, unknown>).webhooks, undefined);
});
