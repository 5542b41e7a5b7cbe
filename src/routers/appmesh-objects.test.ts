import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { Canary } from '../api/index.js';
import {
  abHeaders,
  desiredVirtualNode,
  desiredVirtualRouter,
  desiredVirtualService,
  gatewayAnnotations,
} from './appmesh-objects.js';

const seedFile = resolve(import.meta.dirname, '../../examples/seed/canary.yaml');
const target = { labelKey: 'app', labelValue: 'account', ports: {} };
const owner = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  name: 'account',
  uid: 'uid-1',
  controller: true,
  blockOwnerDeletion: true,
};
const toolkit = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};

/** The seed's Canary, in namespace `shop`, with `edit` applied to a copy. */
function seed(edit: (c: any) => void = () => undefined): Canary {
  const canary = parse(readFileSync(seedFile, 'utf8'));
  canary.metadata = { ...canary.metadata, namespace: 'shop', uid: 'uid-1' };
  edit(canary);
  return canary as Canary;
}

describe('App Mesh VirtualNodes', () => {
  test("the seed's primary node listens on 8180, resolves the primary Service and calls the three ARNs", () => {
    assert.deepEqual(desiredVirtualNode(seed(), target, 'primary'), {
      apiVersion: 'appmesh.k8s.aws/v1beta2',
      kind: 'VirtualNode',
      metadata: { name: 'account-primary', namespace: 'shop', annotations: toolkit, ownerReferences: [owner] },
      spec: {
        podSelector: { matchLabels: { app: 'account-primary' } },
        listeners: [{ portMapping: { port: 8180, protocol: 'http' } }],
        serviceDiscovery: { dns: { hostname: 'account-primary.shop.svc.cluster.local.' } },
        backends: [
          {
            virtualService: {
              virtualServiceARN:
                'arn:aws:appmesh:ap-northeast-2:170247361816:mesh/global/virtualService/mariadb-shop.shop-infra',
            },
          },
          {
            virtualService: {
              virtualServiceARN:
                'arn:aws:appmesh:ap-northeast-2:170247361816:mesh/global/virtualService/rabbitmq.shop-infra',
            },
          },
          {
            virtualService: {
              virtualServiceARN:
                'arn:aws:appmesh:ap-northeast-2:170247361816:mesh/global/virtualService/redis-session.shop-infra',
            },
          },
        ],
      },
    });
  });

  test('the canary node selects the target pods and resolves the canary Service', () => {
    const node = desiredVirtualNode(seed(), target, 'canary');
    assert.equal(node.metadata.name, 'account-canary');
    assert.deepEqual(node.spec.podSelector, { matchLabels: { app: 'account' } });
    assert.equal(node.spec.serviceDiscovery?.dns?.hostname, 'account-canary.shop.svc.cluster.local.');
  });

  test('service.name renames nodes and hostnames; backends that are not ARNs become virtualServiceRefs', () => {
    const node = desiredVirtualNode(
      seed((c) => {
        c.spec.service.name = 'accounts';
        c.spec.service.backends = ['ledger', 'arn:aws:appmesh:x'];
      }),
      target,
      'primary',
    );
    assert.equal(node.metadata.name, 'accounts-primary');
    assert.equal(node.spec.serviceDiscovery?.dns?.hostname, 'accounts-primary.shop.svc.cluster.local.');
    assert.deepEqual(node.spec.backends, [
      { virtualService: { virtualServiceRef: { name: 'ledger' } } },
      { virtualService: { virtualServiceARN: 'arn:aws:appmesh:x' } },
    ]);
  });

  test('no backends, no backends field', () => {
    const node = desiredVirtualNode(
      seed((c) => delete c.spec.service.backends),
      target,
      'primary',
    );
    assert.equal('backends' in node.spec, false);
  });

  test('an integer targetPort is the listener port, a named one is not; a grpc port name selects grpc', () => {
    const byInt = desiredVirtualNode(
      seed((c) => (c.spec.service.targetPort = 9090)),
      target,
      'primary',
    );
    assert.deepEqual(byInt.spec.listeners?.[0]?.portMapping, { port: 9090, protocol: 'http' });
    const byName = desiredVirtualNode(
      seed((c) => {
        c.spec.service.targetPort = 'grpc-api';
        c.spec.service.portName = 'grpc-api';
      }),
      target,
      'primary',
    );
    assert.deepEqual(byName.spec.listeners?.[0]?.portMapping, { port: 8180, protocol: 'grpc' });
  });

  test('a Go-duration timeout becomes the listener per-request timeout in ms; an invalid one is left out', () => {
    const node = desiredVirtualNode(
      seed((c) => (c.spec.service.timeout = '1m30s')),
      target,
      'canary',
    );
    assert.deepEqual(node.spec.listeners?.[0]?.timeout, { http: { perRequest: { unit: 'ms', value: 90000 } } });
    const invalid = desiredVirtualNode(
      seed((c) => (c.spec.service.timeout = '90')),
      target,
      'canary',
    );
    assert.equal(invalid.spec.listeners?.[0]?.timeout, undefined);
  });

  test('apex metadata and the access-log annotation reach both nodes', () => {
    const canary = seed((c) => {
      c.metadata.annotations = { 'appmesh.flagger.app/accesslog': 'enabled' };
      c.spec.service.apex = { labels: { team: 'shop' }, annotations: { note: 'x' } };
    });
    const node = desiredVirtualNode(canary, target, 'canary');
    assert.deepEqual(node.metadata.labels, { team: 'shop' });
    assert.deepEqual(node.metadata.annotations, { note: 'x', ...toolkit });
    assert.deepEqual(node.spec.logging, { accessLog: { file: { path: '/dev/stdout' } } });
  });
});

describe('App Mesh VirtualRouters', () => {
  test("the seed's apex router sends everything to the primary on prefix /", () => {
    assert.deepEqual(desiredVirtualRouter(seed(), 'apex'), {
      apiVersion: 'appmesh.k8s.aws/v1beta2',
      kind: 'VirtualRouter',
      metadata: { name: 'account', namespace: 'shop', ownerReferences: [owner] },
      spec: {
        listeners: [{ portMapping: { port: 8180, protocol: 'http' } }],
        routes: [
          {
            name: 'account',
            httpRoute: {
              match: { prefix: '/' },
              action: {
                weightedTargets: [
                  { virtualNodeRef: { name: 'account-canary' }, weight: 0 },
                  { virtualNodeRef: { name: 'account-primary' }, weight: 100 },
                ],
              },
            },
          },
        ],
      },
    });
  });

  test('the canary router is named <apex>-canary and sends everything to the canary', () => {
    const router = desiredVirtualRouter(seed(), 'canary');
    assert.equal(router.metadata.name, 'account-canary');
    assert.equal(router.spec.routes?.[0]?.name, 'account-canary');
    assert.deepEqual(router.spec.routes?.[0]?.httpRoute?.action.weightedTargets, [
      { virtualNodeRef: { name: 'account-canary' }, weight: 100 },
      { virtualNodeRef: { name: 'account-primary' }, weight: 0 },
    ]);
  });

  test('timeout, retries and match[0].uri.prefix shape the route', () => {
    const router = desiredVirtualRouter(
      seed((c) => {
        c.spec.service.timeout = '15s';
        c.spec.service.retries = { attempts: 3, perTryTimeout: '5s', retryOn: 'gateway-error,client-error' };
        c.spec.service.match = [{ uri: { prefix: '/v1' } }, { uri: { prefix: '/v2' } }];
      }),
      'apex',
    );
    const route = router.spec.routes?.[0]?.httpRoute;
    assert.deepEqual(route?.match, { prefix: '/v1' });
    assert.deepEqual(route?.timeout, { perRequest: { unit: 'ms', value: 15000 } });
    assert.deepEqual(route?.retryPolicy, {
      perRetryTimeout: { unit: 'ms', value: 5000 },
      maxRetries: 3,
      httpRetryEvents: ['gateway-error', 'client-error'],
    });
  });

  test('retries with nothing set default to one retry after 250 ms on gateway-error', () => {
    const router = desiredVirtualRouter(
      seed((c) => (c.spec.service.retries = {})),
      'apex',
    );
    assert.deepEqual(router.spec.routes?.[0]?.httpRoute?.retryPolicy, {
      perRetryTimeout: { unit: 'ms', value: 250 },
      maxRetries: 1,
      httpRetryEvents: ['gateway-error'],
    });
  });

  test('analysis.match turns the apex router into an A/B pair; the canary router is unchanged', () => {
    const canary = seed((c) => {
      c.spec.analysis = { interval: '1m', threshold: 5, iterations: 10 };
      c.spec.analysis.match = [
        { headers: { 'x-user': { exact: 'tester' }, cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
        { headers: { 'x-beta': { prefix: 'yes' } } },
      ];
    });
    const routes = desiredVirtualRouter(canary, 'apex').spec.routes;
    assert.deepEqual(routes, [
      {
        name: 'account-a',
        priority: 10,
        httpRoute: {
          match: {
            prefix: '/',
            headers: [
              { name: 'cookie', match: { regex: '^(.*?;)?(canary=always)(;.*)?$' } },
              { name: 'x-user', match: { exact: 'tester' } },
              { name: 'x-beta', match: { prefix: 'yes' } },
            ],
          },
          action: {
            weightedTargets: [
              { virtualNodeRef: { name: 'account-canary' }, weight: 0 },
              { virtualNodeRef: { name: 'account-primary' }, weight: 100 },
            ],
          },
        },
      },
      {
        name: 'account-b',
        priority: 20,
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: [{ virtualNodeRef: { name: 'account-primary' }, weight: 100 }] },
        },
      },
    ]);
    assert.equal(desiredVirtualRouter(canary, 'canary').spec.routes?.length, 1);
  });

  test('A/B matches without headers leave the header list out (App Mesh refuses an empty one)', () => {
    const canary = seed((c) => (c.spec.analysis.match = [{ queryParams: { beta: { exact: '1' } } }]));
    assert.deepEqual(abHeaders(canary), []);
    assert.deepEqual(desiredVirtualRouter(canary, 'apex').spec.routes?.[0]?.httpRoute?.match, { prefix: '/' });
  });
});

describe('App Mesh VirtualServices', () => {
  test('each is named like its router and provided by it, without awsName', () => {
    assert.deepEqual(desiredVirtualService(seed(), 'canary'), {
      apiVersion: 'appmesh.k8s.aws/v1beta2',
      kind: 'VirtualService',
      metadata: { name: 'account-canary', namespace: 'shop', ownerReferences: [owner] },
      spec: { provider: { virtualRouter: { virtualRouterRef: { name: 'account-canary' } } } },
    });
  });

  test('hosts put the gateway annotations on the apex VirtualService only', () => {
    const canary = seed((c) => {
      c.spec.service.hosts = ['shop.example.com', 'api.example.com'];
      c.spec.service.timeout = '30s';
      c.spec.service.retries = { attempts: 2 };
    });
    assert.deepEqual(desiredVirtualService(canary, 'apex').metadata.annotations, {
      'gateway.appmesh.k8s.aws/expose': 'true',
      'gateway.appmesh.k8s.aws/domain': 'shop.example.com,api.example.com,',
      'gateway.appmesh.k8s.aws/timeout': '30s',
      'gateway.appmesh.k8s.aws/retries': '2',
    });
    assert.equal(desiredVirtualService(canary, 'canary').metadata.annotations, undefined);
    assert.deepEqual(gatewayAnnotations({ port: 80 }), {});
  });
});
