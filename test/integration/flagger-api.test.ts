import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ApiextensionsV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { apiErrorMessage, parseManifests } from '../../src/kube/apply.js';
import { freshNamespace, testKubeConfig } from '../support/cluster.js';
import { formatTable, getTable } from '../support/kube-http.js';

const examples = resolve(import.meta.dirname, '../../examples/seed');
const kc = testKubeConfig();
const objects = KubernetesObjectApi.makeApiClient(kc);

async function example(file: string): Promise<KubernetesObject[]> {
  return parseManifests(await readFile(resolve(examples, file), 'utf8'), file);
}

function inNamespace<T extends KubernetesObject>(obj: T, namespace: string): T {
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

async function seedCanary(): Promise<Record<string, any>> {
  const [canary] = await example('canary.yaml');
  return structuredClone(canary) as Record<string, any>;
}

/** Creates the object and returns the API server's rejection message (fails the test if it was accepted). */
async function rejection(obj: KubernetesObject): Promise<string> {
  try {
    await objects.create(obj);
  } catch (err) {
    return apiErrorMessage(err);
  }
  assert.fail(`the API server accepted ${obj.kind} ${obj.metadata?.name}, expected a rejection`);
}

describe('Flagger API served by the real kube-apiserver', () => {
  test('the three flagger.app CRDs are Established, namespaced, with a status subresource and category all', async () => {
    const api = kc.makeApiClient(ApiextensionsV1Api);
    for (const plural of ['canaries', 'metrictemplates', 'alertproviders']) {
      const crd = await api.readCustomResourceDefinition({ name: `${plural}.flagger.app` });
      assert.ok(
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
        plural,
      );
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.deepEqual(crd.spec.names.categories, ['all']);
      const v1beta1 = crd.spec.versions.find((v) => v.name === 'v1beta1');
      assert.ok(v1beta1?.served && v1beta1.storage, `${plural} v1beta1 served and stored`);
      assert.ok(v1beta1.subresources?.status, `${plural} has the status subresource`);
    }
  });

  test("the seed's Mesh, Canary and AlertProvider are accepted as written, read back, and listed with their columns", async (t) => {
    const ns = await freshNamespace(t, kc, 'seed');
    const [mesh] = await example('mesh.yaml');
    const meshName = `global-${ns}`; // cluster-scoped: one per test namespace so reruns never collide
    await objects.create({ ...mesh!, metadata: { ...mesh!.metadata, name: meshName } });
    t.after(() =>
      objects.delete({ apiVersion: 'appmesh.k8s.aws/v1beta2', kind: 'Mesh', metadata: { name: meshName } }),
    );
    for (const file of ['alert-provider.yaml', 'canary.yaml', 'appmesh-by-hand.yaml']) {
      for (const obj of await example(file)) await objects.create(inNamespace(obj, ns));
    }

    const canary = await objects.read<Record<string, any> & KubernetesObject>({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'account', namespace: ns },
    });
    const written = await seedCanary();
    assert.deepEqual(canary.spec, written.spec, 'the Canary reads back exactly as written (nothing pruned)');

    const canaries = await getTable(kc, `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`);
    t.diagnostic(`kubectl get canaries -n ${ns}\n${formatTable(canaries)}`);
    assert.deepEqual(canaries.columns, ['Name', 'Status', 'Weight', 'LastTransitionTime']);
    assert.equal(canaries.rows.length, 1);
    assert.equal(canaries.rows[0]?.[0], 'account');

    const wide = await getTable(kc, `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`, true);
    t.diagnostic(`kubectl get canaries -n ${ns} -o wide\n${formatTable(wide)}`);
    assert.deepEqual(wide.columns, [
      'Name',
      'Status',
      'Weight',
      'Suspended',
      'FailedChecks',
      'Interval',
      'Mirror',
      'StepWeight',
      'StepWeights',
      'MaxWeight',
      'LastTransitionTime',
    ]);
    const row = Object.fromEntries(wide.columns.map((c, i) => [c, wide.rows[0]?.[i]]));
    assert.equal(row.Interval, '30s');
    assert.equal(row.StepWeight, '20', 'Flagger declares the weight columns as strings');
    assert.equal(row.MaxWeight, '80');
    assert.equal(row.Suspended, null, 'suspend is not set in the seed');

    const providers = await getTable(kc, `/apis/flagger.app/v1beta1/namespaces/${ns}/alertproviders`);
    t.diagnostic(`kubectl get alertproviders -n ${ns}\n${formatTable(providers)}`);
    assert.deepEqual(providers.columns, ['Name', 'Type']);
    assert.deepEqual(providers.rows, [['on-call', 'slack']]);

    const routers = await getTable(kc, `/apis/appmesh.k8s.aws/v1beta2/namespaces/${ns}/virtualrouters`);
    assert.deepEqual(
      routers.rows.map((r) => r[0]),
      ['mariadb-shop'],
      'the App Mesh CRDs accept the seed objects',
    );
  });

  test('a MetricTemplate is accepted and listed with its provider type', async (t) => {
    const ns = await freshNamespace(t, kc, 'mt');
    await objects.create({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'not-found-percentage', namespace: ns },
      spec: {
        provider: { type: 'prometheus', address: 'http://127.0.0.1:9090' },
        query: 'sum(rate(http_requests_total{namespace="{{ namespace }}",status="404"}[{{ interval }}]))',
      },
    } as KubernetesObject);
    const table = await getTable(kc, `/apis/flagger.app/v1beta1/namespaces/${ns}/metrictemplates`);
    assert.deepEqual(table.columns, ['Name', 'Provider']);
    assert.deepEqual(table.rows, [['not-found-percentage', 'prometheus']]);
  });
});

describe('the API server rejects invalid Canaries with a message that names the field', () => {
  const cases: { name: string; edit: (c: Record<string, any>) => void; expect: RegExp[] }[] = [
    {
      name: 'stepWeight above 100',
      edit: (c) => (c.spec.analysis.stepWeight = 150),
      expect: [/spec\.analysis\.stepWeight/, /less than or equal to 100/],
    },
    {
      name: 'stepWeight below 0',
      edit: (c) => (c.spec.analysis.stepWeight = -5),
      expect: [/spec\.analysis\.stepWeight/, /greater than or equal to 0/],
    },
    {
      name: 'missing targetRef',
      edit: (c) => delete c.spec.targetRef,
      expect: [/spec\.targetRef/, /Required value/],
    },
    {
      name: 'an unknown provider',
      edit: (c) => (c.spec.provider = 'appmesh:v2'),
      expect: [/spec\.provider/, /Unsupported value: "appmesh:v2"/, /"appmesh:v1beta2"/],
    },
    {
      name: 'a bad targetRef.kind',
      edit: (c) => (c.spec.targetRef.kind = 'StatefulSet'),
      expect: [/spec\.targetRef\.kind/, /Unsupported value: "StatefulSet"/, /"Deployment"/],
    },
    {
      name: 'a negative threshold',
      edit: (c) => (c.spec.analysis.threshold = -1),
      expect: [/spec\.analysis\.threshold/, /greater than or equal to 0/],
    },
    {
      name: 'a thresholdRange that is not an object',
      edit: (c) => (c.spec.analysis.metrics[0].thresholdRange = '99'),
      expect: [/spec\.analysis\.metrics\[0\]\.thresholdRange/, /must be of type object/],
    },
  ];
  for (const { name, edit, expect } of cases) {
    test(`rejects ${name}`, async (t) => {
      const ns = await freshNamespace(t, kc, 'invalid');
      const canary = await seedCanary();
      canary.metadata.namespace = ns;
      edit(canary);
      const message = await rejection(canary as KubernetesObject);
      t.diagnostic(message);
      for (const pattern of expect) assert.match(message, pattern);
    });
  }

  test('rejects an AlertProvider of an unknown type', async (t) => {
    const ns = await freshNamespace(t, kc, 'invalid');
    const message = await rejection({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'AlertProvider',
      metadata: { name: 'pager', namespace: ns },
      spec: { type: 'pagerduty', address: 'http://127.0.0.1:9/x' },
    } as KubernetesObject);
    assert.match(message, /spec\.type/);
    assert.match(message, /Unsupported value: "pagerduty"/);
  });
});
