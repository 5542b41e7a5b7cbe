/**
 * A Canary routed through a VPC Lattice gateway (GatewayClass of the AWS Gateway API controller)
 * that asks for what Lattice ignores or rejects is refused with the field and why — never released
 * with less than it asked for; the same Canary through another gateway class is released.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeRest } from '../../src/kube/rest.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { LATTICE_CONTROLLER } from '../../src/routers/lattice.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, gatewayApiCanary } from '../support/fixtures.js';
import { readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply } from '../support/user.js';

const kc = testKubeConfig();
const rest = new KubeRest(kc);

function gatewayClass(name: string, controllerName: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name },
    spec: { controllerName },
  };
}

function gateway(ns: string, name: string, className: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns },
    spec: { gatewayClassName: className, listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
  };
}

const stickyCanary = (ns: string, name: string, gatewayName: string): KubeObject =>
  gatewayApiCanary(ns, name, gatewayName, { stepWeight: 20, maxWeight: 40, sessionAffinity: { cookieName: 'c' } });

test('VPC Lattice: session affinity through a Lattice gateway is refused naming the field; through another gateway it is released', async (t) => {
  const ns = await freshNamespace(t, kc, 'lattice');
  const lattice = `amazon-vpc-lattice-${ns}`;
  const envoy = `envoy-${ns}`;
  await apply(
    gatewayClass(lattice, LATTICE_CONTROLLER),
    gatewayClass(envoy, 'gateway.envoyproxy.io/gatewayclass-controller'),
  );
  t.after(async () => {
    for (const name of [lattice, envoy]) {
      await rest.request(`/apis/gateway.networking.k8s.io/v1/gatewayclasses/${name}`, { method: 'DELETE' });
    }
  });
  await apply(gateway(ns, 'lattice', lattice), gateway(ns, 'envoy', envoy));
  for (const name of ['onlattice', 'onenvoy']) {
    await apply(appDeployment(ns, name, { replicas: 1 }), appConfigMap(ns, name, { 'app.properties': 'v=1' }));
  }
  await apply(stickyCanary(ns, 'onlattice', 'lattice'), stickyCanary(ns, 'onenvoy', 'envoy'));
  await startTestOperator(t, ns, { meshProvider: 'gatewayapi:v1' });

  await waitForPhase(ns, 'onenvoy', 'Initialized', 60_000);
  const refused = await eventually('the Lattice canary refused', async () => {
    const c = (await readCanary(ns, 'onlattice')).status?.conditions?.find((x) => x.type === 'Reconciled');
    return c?.status === 'False' ? c : undefined;
  });
  assert.equal(refused.reason, 'FeatureNotSupported');
  assert.match(
    refused.message ?? '',
    new RegExp(`VPC Lattice gateway ${ns}/lattice \\(GatewayClass ${lattice}\\): spec\\.analysis\\.sessionAffinity`),
  );
  const routes = await rest.json<{ items: { metadata: { name: string } }[] }>(
    `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`,
  );
  assert.deepEqual(
    routes.items.map((r) => r.metadata.name),
    ['onenvoy'],
    'no route for the refused canary',
  );

  // Without the field Lattice cannot do, the canary is released.
  await rest.json(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/onlattice`, {
    method: 'PATCH',
    contentType: 'application/json-patch+json',
    body: [{ op: 'remove', path: '/spec/analysis/sessionAffinity' }],
  });
  await waitForPhase(ns, 'onlattice', 'Initialized', 60_000);
});
