import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import {
  desiredService,
  lastAppliedSelector,
  serviceUpdate,
  servicePorts,
  type ServiceObject,
} from './service-objects.js';

const target = { labelKey: 'app', labelValue: 'account', ports: { metrics: 9797, http: 8180, admin: 8181 } };
const toolkit = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};
const owner = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  name: 'account',
  uid: 'uid-1',
  controller: true,
  blockOwnerDeletion: true,
};

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

/** What the API server returns for a created Service: defaults and server fields added. */
function stored(desired: ServiceObject): ServiceObject {
  return {
    ...structuredClone(desired),
    metadata: { ...structuredClone(desired.metadata), uid: 'svc-uid', resourceVersion: '5' },
    spec: {
      ...structuredClone(desired.spec),
      clusterIP: '10.0.0.12',
      clusterIPs: ['10.0.0.12'],
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
  };
}

describe('desired Services', () => {
  test('the primary Service selects primary pods on port 8180 and carries the toolkit annotations', () => {
    assert.deepEqual(desiredService(canary(), target, 'primary'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'account-primary',
        namespace: 'shop',
        labels: { app: 'account-primary' },
        annotations: toolkit,
        ownerReferences: [owner],
      },
      spec: {
        type: 'ClusterIP',
        selector: { app: 'account-primary' },
        ports: [{ name: 'http', protocol: 'TCP', port: 8180, targetPort: 8180 }],
      },
    });
  });

  test('the canary Service selects the target pods; the apex selects primary pods', () => {
    assert.deepEqual(desiredService(canary(), target, 'canary').spec.selector, { app: 'account' });
    const apex = desiredService(canary(), target, 'apex');
    assert.equal(apex.metadata.name, 'account');
    assert.deepEqual(apex.spec.selector, { app: 'account-primary' });
    assert.deepEqual(apex.metadata.labels, { app: 'account' });
  });

  test('role metadata, portName, targetPort, appProtocol, headless and trafficDistribution are honoured', () => {
    const svc = desiredService(
      canary({
        name: 'accounts',
        portName: 'web',
        targetPort: 'http',
        appProtocol: 'http',
        headless: true,
        trafficDistribution: 'PreferClose',
        canary: { labels: { tier: 'canary' }, annotations: { a: 'b' } },
      }),
      target,
      'canary',
    );
    assert.equal(svc.metadata.name, 'accounts-canary');
    assert.deepEqual(svc.metadata.labels, { tier: 'canary', app: 'accounts-canary' });
    assert.deepEqual(svc.metadata.annotations, { a: 'b', ...toolkit });
    assert.equal(svc.spec.clusterIP, 'None');
    assert.equal(svc.spec.trafficDistribution, 'PreferClose');
    assert.deepEqual(svc.spec.ports, [
      { name: 'web', protocol: 'TCP', port: 8180, targetPort: 'http', appProtocol: 'http' },
    ]);
  });

  test('port discovery adds the other container ports, sorted, skipping the main one', () => {
    assert.deepEqual(servicePorts({ port: 8180, portDiscovery: true }, target), [
      { name: 'http', protocol: 'TCP', port: 8180, targetPort: 8180 },
      { name: 'admin', protocol: 'TCP', port: 8181, targetPort: 8181 },
      { name: 'metrics', protocol: 'TCP', port: 9797, targetPort: 9797 },
    ]);
    assert.deepEqual(
      servicePorts({ port: 80, targetPort: 'admin', portDiscovery: true }, target).map((p) => p.name),
      ['http', 'metrics'],
    );
  });
});

describe('Service updates', () => {
  test('a Service as the API server stored it needs no write', () => {
    const desired = desiredService(canary(), target, 'primary');
    assert.equal(serviceUpdate(stored(desired), desired, canary()), undefined);
  });

  test('a new port is written, keeping node ports and server fields', () => {
    const before = stored(desiredService(canary(), target, 'primary'));
    before.spec.ports![0]!.nodePort = 30080;
    const next = serviceUpdate(before, desiredService(canary({ port: 8080 }), target, 'primary'), canary());
    assert.deepEqual(next?.spec.ports, [
      { name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080, nodePort: 30080 },
    ]);
    assert.equal(next?.spec.clusterIP, '10.0.0.12');
    assert.equal(next?.metadata.resourceVersion, '5');
  });

  test('a user-owned apex Service is taken over: selector and ports switched, its labels kept, toolkit annotations added', () => {
    const user: ServiceObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'account', namespace: 'shop', labels: { owner: 'me' }, annotations: { keep: 'me' } },
      spec: { type: 'ClusterIP', selector: { app: 'account' }, ports: [{ name: 'web', port: 80, targetPort: 8180 }] },
    };
    const next = serviceUpdate(user, desiredService(canary(), target, 'apex'), canary());
    assert.deepEqual(next?.spec.selector, { app: 'account-primary' });
    assert.deepEqual(next?.spec.ports, [{ name: 'http', protocol: 'TCP', port: 8180, targetPort: 8180 }]);
    assert.deepEqual(next?.metadata.labels, { owner: 'me' });
    assert.deepEqual(next?.metadata.annotations, { keep: 'me', ...toolkit });
    assert.equal(next?.metadata.ownerReferences, undefined);
  });

  test('a user-owned apex Service that already selects the primary is left alone', () => {
    const desired = desiredService(canary(), target, 'apex');
    const user = stored(desired);
    user.metadata = { name: 'account', namespace: 'shop', labels: { owner: 'me' } };
    assert.equal(serviceUpdate(user, desired, canary()), undefined);
  });

  test('on an owned Service, stray metadata is removed but unmanaged keys keep their live values', () => {
    const c = canary({ unmanagedMetadata: { annotations: ['linkerd.io/inject'], labels: ['mesh'] } });
    const desired = desiredService(c, target, 'canary');
    const before = stored(desired);
    before.metadata.labels = { ...before.metadata.labels, mesh: 'on', stray: 'x' };
    before.metadata.annotations = { ...before.metadata.annotations, 'linkerd.io/inject': 'enabled', other: 'y' };
    const next = serviceUpdate(before, desired, c);
    assert.deepEqual(next?.metadata.labels, { app: 'account-canary', mesh: 'on' });
    assert.deepEqual(next?.metadata.annotations, { ...toolkit, 'linkerd.io/inject': 'enabled' });
  });

  test('the selector recorded by kubectl apply is found for finalize', () => {
    const svc = desiredService(canary(), target, 'apex');
    svc.metadata.annotations = {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { selector: { app: 'account' } } }),
    };
    assert.deepEqual(lastAppliedSelector(svc), { selector: { app: 'account' } });
    svc.metadata.annotations = {};
    assert.equal(lastAppliedSelector(svc), undefined);
  });
});
