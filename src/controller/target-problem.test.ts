import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import type { Scenario } from '../sim/scenario.js';
import { SimWorld } from '../sim/world.js';
import { accountCanary, accountDeployment } from './account.test-support.js';
import { DEPLOYMENT_TARGET } from '../targets/deployment.js';
import { TargetProblemError } from '../targets/problem-error.js';
import { TargetRegistry } from '../targets/registry.js';
import type { TargetPlugin } from '../targets/target.js';

const REF = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', namespace: 'shop', name: 'account' } as const;
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'account' } as const;
const PROBLEM = {
  message: 'deployment shop/account cannot be scaled: it was replaced meanwhile',
  fix: 'wait for the other controller to finish, or stop it changing the Deployment',
};

/** The Deployment target, except that scaling the canary up fails with a problem the user must fix. */
function failingScaleUp(failing: { on: boolean }): TargetPlugin {
  return {
    ...DEPLOYMENT_TARGET,
    create: (deps, options) => {
      const target = DEPLOYMENT_TARGET.create(deps, options);
      const scaleUp = target.scaleUp.bind(target);
      target.scaleUp = (canary, signal) =>
        failing.on ? Promise.reject(new TargetProblemError(PROBLEM)) : scaleUp(canary, signal);
      return target;
    },
  };
}

function objects(): KubeObject[] {
  return [accountCanary(), accountDeployment('a:1')];
}

test('a target error during a tick is a Warning event and Reconciled=False on the canary, and clears once fixed', async () => {
  const scenario: Scenario = {
    apiVersion: 'serin.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'target-problem' },
    versions: [{ name: 'healthy' }],
  };
  const failing = { on: false };
  const world = new SimWorld({
    scenario,
    defaultProvider: 'appmesh:v1beta2',
    startTime: Date.parse('2026-01-01T00:00:00Z'),
    targets: new TargetRegistry([failingScaleUp(failing)]),
  });
  await world.start(objects());
  await world.run(world.clock.now() + 2 * 60_000, () => false);
  failing.on = true;
  await world.cluster.patch(DEPLOYMENT, {
    spec: { template: { spec: { containers: [{ name: 'app', image: 'a:2' }] } } },
  });
  await world.settle();
  await world.run(world.clock.now() + 2 * 60_000, () => false);

  const canary = world.cluster.get<Canary>(REF);
  const condition = canary?.status?.conditions?.find((c) => c.type === 'Reconciled');
  assert.equal(condition?.status, 'False');
  assert.equal(condition?.reason, 'ActionFailed');
  assert.equal(condition?.message, `${PROBLEM.message}; ${PROBLEM.fix}`);
  assert.equal(canary?.status?.phase, 'Initialized', 'nothing of the failed tick is recorded');
  const warnings = world.cluster
    .list<KubeObject & { type?: string; message?: string }>({ apiVersion: 'v1', kind: 'Event' }, 'shop')
    .filter((e) => e.type === 'Warning');
  assert.ok(warnings.some((e) => e.message === `${PROBLEM.message}; ${PROBLEM.fix}`));

  failing.on = false;
  await world.run(world.clock.now() + 2 * 60_000, () => false);
  world.stop();
  const fixed = world.cluster.get<Canary>(REF);
  assert.equal(fixed?.status?.conditions?.find((c) => c.type === 'Reconciled')?.status, 'True');
  assert.equal(fixed?.status?.phase, 'Progressing');
});
