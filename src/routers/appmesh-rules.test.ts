import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import { desiredVirtualNode, desiredVirtualRouter } from './appmesh-objects.js';
import { readWeights, routesWithWeights, virtualNodeUpdate, virtualRouterUpdate } from './appmesh-rules.js';
import type { VirtualRouter } from './appmesh-types.js';

const target = { labelKey: 'app', labelValue: 'account', ports: {} };
const meshFields = { awsName: 'account-primary_shop', meshRef: { name: 'global', uid: 'mesh-uid' } };

function canary(service: Record<string, unknown> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop', uid: 'uid-1' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' },
      service: { port: 8180, ...service },
      analysis: { interval: '30s', threshold: 3, stepWeight: 20 },
    },
  } as Canary;
}

/** The live copy the API server would return: desired plus server fields and App Mesh's defaults. */
function live<T extends { metadata: object; spec: object }>(desired: T, awsName: string): T {
  return {
    ...structuredClone(desired),
    metadata: { ...desired.metadata, resourceVersion: '7', uid: 'obj-uid' },
    spec: { ...structuredClone(desired.spec), awsName, meshRef: meshFields.meshRef },
  };
}

function withWeights(router: VirtualRouter, primary: number, canaryWeight: number): VirtualRouter {
  const copy = structuredClone(router);
  copy.spec.routes![0]!.httpRoute!.action.weightedTargets = [
    { virtualNodeRef: { name: 'account-canary' }, weight: canaryWeight },
    { virtualNodeRef: { name: 'account-primary' }, weight: primary },
  ];
  return copy;
}

describe('VirtualNode updates', () => {
  test('a node that differs only by awsName and meshRef needs no write', () => {
    const desired = desiredVirtualNode(canary(), target, 'primary');
    assert.equal(virtualNodeUpdate(live(desired, meshFields.awsName), desired), undefined);
  });

  test('a changed spec is replaced, keeping awsName, meshRef and the resourceVersion', () => {
    const before = live(desiredVirtualNode(canary(), target, 'primary'), meshFields.awsName);
    const desired = desiredVirtualNode(canary({ port: 9000 }), target, 'primary');
    const next = virtualNodeUpdate(before, desired);
    assert.equal(next?.spec.listeners?.[0]?.portMapping.port, 9000);
    assert.equal(next?.spec.awsName, meshFields.awsName);
    assert.deepEqual(next?.spec.meshRef, meshFields.meshRef);
    assert.equal(next?.metadata.resourceVersion, '7');
  });

  test('changed apex labels are a reason to update, and the update replaces them', () => {
    const before = live(desiredVirtualNode(canary(), target, 'canary'), 'account-canary_shop');
    const next = virtualNodeUpdate(
      { ...before, metadata: { ...before.metadata, labels: { stale: 'yes' } } },
      desiredVirtualNode(canary({ apex: { labels: { team: 'shop' } } }), target, 'canary'),
    );
    assert.deepEqual(next?.metadata.labels, { team: 'shop' });
  });
});

describe('VirtualRouter updates', () => {
  test('a router that differs only in weights and mesh fields needs no write', () => {
    const desired = desiredVirtualRouter(canary(), 'apex');
    assert.equal(virtualRouterUpdate(withWeights(live(desired, 'account_shop'), 40, 60), desired), undefined);
  });

  test('a changed timeout is written with the live weights and mesh fields kept', () => {
    const before = withWeights(live(desiredVirtualRouter(canary(), 'apex'), 'account_shop'), 80, 20);
    const next = virtualRouterUpdate(before, desiredVirtualRouter(canary({ timeout: '10s' }), 'apex'));
    const route = next?.spec.routes?.[0]?.httpRoute;
    assert.deepEqual(route?.timeout, { perRequest: { unit: 'ms', value: 10000 } });
    assert.deepEqual(
      route?.action.weightedTargets.map((t) => t.weight),
      [20, 80],
    );
    assert.equal(next?.spec.awsName, 'account_shop');
    assert.deepEqual(next?.spec.meshRef, meshFields.meshRef);
  });
});

describe('weights on the apex router', () => {
  test('routesWithWeights writes canary then primary into the first route', () => {
    const routes = routesWithWeights(canary(), desiredVirtualRouter(canary(), 'apex').spec.routes ?? [], {
      primary: 70,
      canary: 30,
      mirrored: true,
    });
    assert.deepEqual(routes[0]?.httpRoute?.action.weightedTargets, [
      { virtualNodeRef: { name: 'account-canary' }, weight: 30 },
      { virtualNodeRef: { name: 'account-primary' }, weight: 70 },
    ]);
  });

  test('readWeights reports the split, never mirrored', () => {
    const router = withWeights(desiredVirtualRouter(canary(), 'apex'), 60, 40);
    assert.deepEqual(readWeights(canary(), router), { primary: 60, canary: 40, mirrored: false });
  });

  test("readWeights gives Flagger's errors for a missing router, a malformed route and zero weights", () => {
    assert.deepEqual(readWeights(canary(), undefined), {
      error: 'VirtualRouter account get query error: virtualrouters.appmesh.k8s.aws "account" not found',
    });
    const noRoutes = { ...desiredVirtualRouter(canary(), 'apex'), spec: { routes: [] } };
    assert.deepEqual(readWeights(canary(), noRoutes), { error: 'VirtualRouter routes account not found' });
    const oneTarget = structuredClone(desiredVirtualRouter(canary(), 'apex'));
    oneTarget.spec.routes![0]!.httpRoute!.action.weightedTargets.pop();
    assert.deepEqual(readWeights(canary(), oneTarget), { error: 'VirtualRouter routes account not found' });
    assert.deepEqual(readWeights(canary(), withWeights(desiredVirtualRouter(canary(), 'apex'), 0, 0)), {
      error: 'VirtualRouter account does not contain routes for account-primary and account-canary',
    });
  });
});
