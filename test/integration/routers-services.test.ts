import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import type { Canary } from '../../src/api/index.js';
import { parseManifests } from '../../src/kube/apply.js';
import type { Cluster } from '../../src/kube/cluster.js';
import type { Gvk, KubeObject, ObjectRef } from '../../src/kube/objects.js';
import { KubernetesServices } from '../../src/routers/kubernetes-services.js';
import type { ServiceObject } from '../../src/routers/service-objects.js';
import { cached, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const server = KubernetesObjectApi.makeApiClient(kc);
const CANARY: Gvk = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' };
const SERVICE: Gvk = { apiVersion: 'v1', kind: 'Service' };
const target = { labelKey: 'app', labelValue: 'account', ports: {} };
const toolkit = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};

async function setup(t: TestContext): Promise<{ ns: string; cluster: Cluster; canary: Canary }> {
  const ns = await freshNamespace(t, kc, 'routers');
  const cluster = await startApiCluster(t, [CANARY, SERVICE], ns);
  const file = resolve(import.meta.dirname, '../../examples/seed/canary.yaml');
  const [seed] = parseManifests(await readFile(file, 'utf8'), file) as unknown as KubeObject[];
  const canary = await cluster.create({ ...seed!, metadata: { ...seed!.metadata, namespace: ns } });
  return { ns, cluster, canary: canary as unknown as Canary };
}

function svc(ns: string, name: string): ObjectRef {
  return { ...SERVICE, namespace: ns, name };
}

async function liveVersion(r: ObjectRef): Promise<string | undefined> {
  const obj = await server.read({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: r.name, namespace: r.namespace! },
  });
  return obj.metadata?.resourceVersion;
}

/** A Service the user created before adopting Serin, selecting the target's pods on port 80. */
function userService(ns: string, annotations: Record<string, string> = {}): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'account', namespace: ns, labels: { owner: 'platform' }, annotations },
    spec: { type: 'ClusterIP', selector: { app: 'account' }, ports: [{ name: 'web', port: 80, targetPort: 8180 }] },
  };
}

describe('KubernetesServices on the real API server', () => {
  test('creates the primary, canary and apex Services with their selectors, port and owner', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const services = new KubernetesServices({ cluster });
    assert.deepEqual(await services.initialize(canary, target), { ok: true, value: undefined });
    assert.deepEqual(await services.reconcileApex(canary, target), { ok: true, value: undefined });

    const expected: Record<string, string> = {
      account: 'account-primary',
      'account-primary': 'account-primary',
      'account-canary': 'account',
    };
    for (const [name, selected] of Object.entries(expected)) {
      const s = await cached(`service ${name}`, () => cluster.get<ServiceObject>(svc(ns, name)));
      assert.deepEqual(s.spec.selector, { app: selected }, name);
      assert.equal(s.spec.type, 'ClusterIP');
      assert.deepEqual(s.spec.ports, [{ name: 'http', protocol: 'TCP', port: 8180, targetPort: 8180 }]);
      assert.deepEqual(s.metadata.labels, { app: name });
      assert.deepEqual(s.metadata.annotations, toolkit);
      assert.deepEqual(s.metadata.ownerReferences, [
        {
          apiVersion: 'flagger.app/v1beta1',
          kind: 'Canary',
          name: 'account',
          uid: canary.metadata?.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  test('a steady reconcile writes nothing; a changed port updates in place', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const services = new KubernetesServices({ cluster });
    await services.initialize(canary, target);
    await services.reconcileApex(canary, target);
    const names = ['account', 'account-primary', 'account-canary'];
    await cached('three services', () => (names.every((n) => cluster.get(svc(ns, n))) ? true : undefined));
    const before = await Promise.all(names.map((n) => liveVersion(svc(ns, n))));
    await services.initialize(canary, target);
    await services.reconcileApex(canary, target);
    assert.deepEqual(await Promise.all(names.map((n) => liveVersion(svc(ns, n)))), before);

    const clusterIP = cluster.get<ServiceObject>(svc(ns, 'account-primary'))?.spec.clusterIP;
    const edited = structuredClone(canary);
    edited.spec.service!.port = 9090;
    assert.ok((await services.initialize(edited, target)).ok);
    const updated = await cached('port 9090', () => {
      const s = cluster.get<ServiceObject>(svc(ns, 'account-primary'));
      return s?.spec.ports?.[0]?.port === 9090 ? s : undefined;
    });
    assert.equal(updated.spec.clusterIP, clusterIP);
  });

  test('takes over a user-created apex Service without replacing it, and finalize gives it back', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const created = await cluster.create(userService(ns));
    const services = new KubernetesServices({ cluster });
    await cached('the user service', () => cluster.get(svc(ns, 'account')));

    assert.deepEqual(await services.reconcileApex(canary, target), { ok: true, value: undefined });
    const adopted = await cached('the apex selecting primary pods', () => {
      const s = cluster.get<ServiceObject>(svc(ns, 'account'));
      return s?.spec.selector?.app === 'account-primary' ? s : undefined;
    });
    assert.equal(adopted.metadata.uid, created.metadata.uid, 'same object: no delete/recreate');
    assert.equal(adopted.spec.clusterIP, created.spec.clusterIP, 'same cluster IP: clients keep working');
    assert.deepEqual(adopted.spec.ports, [{ name: 'http', protocol: 'TCP', port: 8180, targetPort: 8180 }]);
    assert.deepEqual(adopted.metadata.labels, { owner: 'platform' });
    assert.deepEqual(adopted.metadata.annotations, toolkit);
    assert.equal(adopted.metadata.ownerReferences, undefined, 'the user keeps ownership');

    const version = await liveVersion(svc(ns, 'account'));
    await services.reconcileApex(canary, target);
    assert.equal(await liveVersion(svc(ns, 'account')), version);

    await services.finalize(canary, target);
    await cached('the apex selecting the target pods again', () =>
      cluster.get<ServiceObject>(svc(ns, 'account'))?.spec.selector?.app === 'account' ? true : undefined,
    );
  });

  test('finalize restores the selector kubectl apply recorded', async (t) => {
    const { ns, cluster, canary } = await setup(t);
    const recorded = { spec: { selector: { app: 'account', track: 'stable' } } };
    await cluster.create(
      userService(ns, { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(recorded) }),
    );
    const services = new KubernetesServices({ cluster });
    await cached('the user service', () => cluster.get(svc(ns, 'account')));
    await services.reconcileApex(canary, target);
    await cached('the takeover', () =>
      cluster.get<ServiceObject>(svc(ns, 'account'))?.spec.selector?.app === 'account-primary' ? true : undefined,
    );
    await services.finalize(canary, target);
    const restored = await cached('the recorded selector', () => {
      const s = cluster.get<ServiceObject>(svc(ns, 'account'));
      return s?.spec.selector?.track === 'stable' ? s : undefined;
    });
    assert.deepEqual(restored.spec.selector, recorded.spec.selector);
  });

  test('an invalid port name is a problem with a fix, not an exception', async (t) => {
    const { canary, cluster } = await setup(t);
    const bad = structuredClone(canary);
    bad.spec.service!.portName = 'Not_A_Valid_Name';
    const result = await new KubernetesServices({ cluster }).initialize(bad, target);
    assert.equal(result.ok, false);
    assert.match(
      !result.ok ? result.problem.message : '',
      /^service account-canary\.routers-[0-9a-f]+ create error: .*Invalid/,
    );
    assert.match(!result.ok ? result.problem.fix : '', /spec\.service/);
  });
});
