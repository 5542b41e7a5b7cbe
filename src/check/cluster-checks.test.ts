import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { KubeObject, ObjectRef } from '../kube/objects.js';
import { clusterChecks } from './cluster-checks.js';
import type { Lookup, ObjectReader } from './kube-reader.js';
import { SnapshotCluster } from './snapshot-cluster.js';

const FORBIDDEN: Lookup = {
  kind: 'unknown',
  message: 'cannot check MetricTemplate shop/errors: forbidden (…)',
  reason: 'forbidden (…)',
  fix: 'grant "get" on metrictemplates.flagger.app in namespace shop',
};

function canary(spec: Record<string, unknown> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' },
      autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'account' },
      analysis: { metrics: [{ name: 'errors', templateRef: { name: 'errors' } }] },
      ...spec,
    },
  } as Canary;
}

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'account', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'account' } },
    template: { spec: { containers: [{ name: 'app', envFrom: [{ configMapRef: { name: 'account-env' } }] }] } },
  },
};

/** A reader over a table of `Kind ns/name` → lookup; everything else is missing; App Mesh is served. */
function reader(table: Record<string, Lookup>, appMesh = true): ObjectReader {
  return {
    get: <T>(ref: ObjectRef) =>
      Promise.resolve((table[`${ref.kind} ${ref.namespace ?? ''}/${ref.name}`] ?? { kind: 'missing' }) as Lookup<T>),
    servedKinds: () =>
      Promise.resolve({ ok: true, kinds: new Set(appMesh ? ['VirtualNode', 'VirtualRouter', 'VirtualService'] : []) }),
  };
}

const found = (object: KubeObject, from = 'cluster'): Lookup => ({ kind: 'found', object, from });
const ns: Record<string, Lookup> = { 'Namespace /shop': found({ apiVersion: 'v1', kind: 'Namespace', metadata: {} }) };
const OPTIONS = { meshProvider: 'appmesh:v1beta2' };

describe('cluster checks', () => {
  test("word each problem as the operator does, with the fix; a file's object stands in with a warning", async () => {
    const snapshot = new SnapshotCluster();
    const lines = await clusterChecks(
      canary(),
      {
        reader: reader({
          ...ns,
          'Deployment shop/account': found(deployment, 'app.yaml'),
          'MetricTemplate shop/errors': FORBIDDEN,
        }),
        snapshot,
      },
      OPTIONS,
    );
    assert.deepEqual(
      lines.map((l) => `${l.status} ${l.message}`),
      [
        'pass App Mesh API appmesh.k8s.aws/v1beta2 is served (provider appmesh:v1beta2)',
        'warn Deployment shop/account is not in the cluster yet; selector label app=account; found in app.yaml',
        'fail configmap shop/account-env referenced by deployment shop/account not found',
        'fail horizontalpodautoscaler shop/account not found',
        'fail cannot check MetricTemplate shop/errors: forbidden (…)',
      ],
    );
    assert.match(lines[3]?.fix ?? '', /create the HorizontalPodAutoscaler \(autoscaling\/v2\)/);
    assert.equal(lines[4]?.fix, FORBIDDEN.fix);
    const template = { apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', namespace: 'shop', name: 'errors' };
    assert.throws(() => snapshot.get(template), /forbidden/, 'the analyzer sees why the template is unknown');
  });

  test('a namespace that does not exist stops the other cluster checks', async () => {
    const lines = await clusterChecks(canary(), { reader: reader({}), snapshot: new SnapshotCluster() }, OPTIONS);
    assert.deepEqual(
      lines.map((l) => l.message),
      ['namespace shop does not exist'],
    );
  });

  test('providers this Serin does not serve, and App Mesh CRDs that are missing, are errors', async () => {
    const deps = (appMesh: boolean) => ({ reader: reader(ns, appMesh), snapshot: new SnapshotCluster() });
    const istio = await clusterChecks(canary({ provider: 'istio', autoscalerRef: undefined }), deps(true), OPTIONS);
    assert.equal(istio[0]?.message, 'provider istio is not supported by this Serin');
    const defaulted = await clusterChecks(canary({ provider: undefined }), deps(false), OPTIONS);
    assert.match(
      defaulted[0]?.message ?? '',
      /^provider appmesh:v1beta2 \(--mesh-provider default\) needs the App Mesh API appmesh\.k8s\.aws\/v1beta2/,
    );
  });
});
