import { providerRegistry } from '../routers/providers.js';
import { TargetRegistry } from '../targets/registry.js';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { KubeObject, ObjectRef } from '../kube/objects.js';
import { clusterChecks } from './cluster-checks.js';
import type { Lookup, ObjectReader } from './kube-reader.js';
import { SnapshotCluster } from './snapshot-cluster.js';
import { probeTcp } from './tcp-probe.js';

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
const OPTIONS = { providers: providerRegistry('appmesh:v1beta2'), targets: new TargetRegistry() };

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

  test('a KEDA ScaledObject: checked where KEDA is served, named when missing, and a missing KEDA says to install it', async () => {
    const keda = { autoscalerRef: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'account-so' } };
    const withKeda = (served: boolean, table: Record<string, Lookup>): ObjectReader => ({
      ...reader(table),
      servedKinds: (apiVersion) =>
        Promise.resolve({
          ok: true,
          kinds: new Set(apiVersion === 'keda.sh/v1alpha1' ? (served ? ['ScaledObject'] : []) : ['VirtualNode']),
        }),
    });
    const so = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'account-so', namespace: 'shop' },
      spec: { scaleTargetRef: { name: 'account' } },
    };
    const run = async (served: boolean, table: Record<string, Lookup>) =>
      (await clusterChecks(canary(keda), { reader: withKeda(served, table), snapshot: new SnapshotCluster() }, OPTIONS))
        .filter((l) => /scaledobject/i.test(l.message))
        .map((l) => `${l.status} ${l.message} | ${l.fix ?? ''}`);
    const base = { ...ns, 'Deployment shop/account': found(deployment) };
    assert.deepEqual(await run(true, { ...base, 'ScaledObject shop/account-so': found(so) }), [
      'pass ScaledObject shop/account-so exists (keda.sh/v1alpha1) | ',
    ]);
    assert.deepEqual(await run(true, base), [
      'fail scaledobject shop/account-so not found | create the KEDA ScaledObject (keda.sh/v1alpha1), or correct or remove spec.autoscalerRef',
    ]);
    const [notServed] = await run(false, base);
    assert.match(notServed ?? '', /^fail .*does not serve keda\.sh\/v1alpha1 ScaledObjects \| install KEDA/);
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

describe('alert providers', () => {
  test('each provider is reached by a TCP connection only — no message is sent; a bad address says how to fix it', async () => {
    const received: Buffer[] = [];
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.on('data', (d: Buffer) => received.push(d));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    try {
      const provider = (name: string, spec: Record<string, unknown>): Lookup =>
        found({
          apiVersion: 'flagger.app/v1beta1',
          kind: 'AlertProvider',
          metadata: { name, namespace: 'shop' },
          spec,
        });
      const secret = (name: string, data: Record<string, string>): Lookup =>
        found({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, stringData: data });
      const lines = await clusterChecks(
        canary({
          analysis: {
            alerts: [
              { name: 'a', providerRef: { name: 'slack' } },
              { name: 'b', providerRef: { name: 'teams' } },
              { name: 'c', providerRef: { name: 'keyless' } },
            ],
          },
        }),
        {
          reader: reader({
            ...ns,
            'Deployment shop/account': found(deployment),
            'AlertProvider shop/slack': provider('slack', {
              type: 'slack',
              address: `http://127.0.0.1:${port}/services/T0/B0/secret-token`,
            }),
            'AlertProvider shop/teams': provider('teams', { type: 'msteams', secretRef: { name: 'teams-hook' } }),
            'Secret shop/teams-hook': secret('teams-hook', { address: `http://127.0.0.1:${closedPort}/webhook` }),
            'AlertProvider shop/keyless': provider('keyless', { type: 'slack', secretRef: { name: 'empty' } }),
            'Secret shop/empty': secret('empty', { token: 't' }),
          }),
          snapshot: new SnapshotCluster(),
          probe: probeTcp,
        },
        OPTIONS,
      );
      const alertLines = lines.filter((l) => /AlertProvider|alert provider|secret shop/.test(l.message));
      assert.deepEqual(
        alertLines.map((l) => [l.status, l.message, l.fix]),
        [
          ['pass', 'AlertProvider shop/slack (alert a) exists', undefined],
          ['pass', `AlertProvider shop/slack (slack) → 127.0.0.1:${port} reachable (no message sent)`, undefined],
          ['pass', 'AlertProvider shop/teams (alert b) exists', undefined],
          [
            'fail',
            `AlertProvider shop/teams (msteams) → 127.0.0.1:${closedPort}: connection refused`,
            'alerts would not be delivered: check the address and the network path from the operator',
          ],
          ['pass', 'AlertProvider shop/keyless (alert c) exists', undefined],
          [
            'fail',
            'secret shop/empty of AlertProvider shop/keyless has no key "address"',
            'add the webhook URL under "address"',
          ],
        ],
      );
      assert.ok(!JSON.stringify(lines).includes('secret-token'), 'the URL path is never printed');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(connections, 1);
      assert.deepEqual(received, [], 'not a byte was sent to the chat service');
    } finally {
      server.close();
    }
  });
});

describe('cluster checks of a DaemonSet target', () => {
  test('the DaemonSet is read by its kind, its selector label and configs checked, worded by kind', async () => {
    const daemonSet: KubeObject = { ...deployment, kind: 'DaemonSet' };
    const spec = { targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'account' }, autoscalerRef: undefined };
    const lines = await clusterChecks(
      canary(spec),
      { reader: reader({ ...ns, 'DaemonSet shop/account': found(daemonSet) }), snapshot: new SnapshotCluster() },
      OPTIONS,
    );
    const text = lines.map((l) => `${l.status} ${l.message}`);
    assert.ok(text.includes('pass DaemonSet shop/account exists; selector label app=account'), text.join('\n'));
    assert.ok(text.includes('fail configmap shop/account-env referenced by daemonset shop/account not found'));
    const missing = await clusterChecks(canary(spec), { reader: reader(ns), snapshot: new SnapshotCluster() }, OPTIONS);
    assert.ok(missing.some((l) => l.message === 'daemonset shop/account not found'));
  });
});

describe('cluster checks of a Gateway API canary', () => {
  test('each Gateway of service.gatewayRefs must exist: found ones pass, a missing one says what to do', async () => {
    const spec = {
      provider: 'gatewayapi:v1',
      autoscalerRef: undefined,
      service: { port: 80, gatewayRefs: [{ name: 'public', namespace: 'gateways' }, { name: 'internal' }] },
    };
    const gateway: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'public' },
    };
    const lines = await clusterChecks(
      canary(spec),
      { reader: reader({ ...ns, 'Gateway gateways/public': found(gateway) }), snapshot: new SnapshotCluster() },
      OPTIONS,
    );
    const text = lines.map((l) => `${l.status} ${l.message}${l.fix ? ` (${l.fix})` : ''}`);
    assert.ok(text.includes("pass Gateway gateways/public exists (the HTTPRoute's parent)"), text.join('\n'));
    assert.ok(
      text.includes('fail Gateway shop/internal not found (create it, or correct spec.service.gatewayRefs)'),
      text.join('\n'),
    );
  });
});
