import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { createValidators, formatIssues } from '../../src/api/index.js';
import { parseManifests } from '../../src/kube/apply.js';
import { providerRegistry } from '../../src/routers/providers.js';
import { KubeRest } from '../../src/kube/rest.js';
import { freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { startTestOperator, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';

const root = resolve(import.meta.dirname, '../..');
const kc = testKubeConfig();
const objects = KubernetesObjectApi.makeApiClient(kc);
const rest = new KubeRest(kc);

/** Runs `serin migrate appmesh-to-gatewayapi …` as a user would. */
function migrate(...args: string[]) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/bin/serin.ts', 'migrate', 'appmesh-to-gatewayapi', ...args],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('serin migrate appmesh-to-gatewayapi', () => {
  test('given the seed Canary, when migrated with -o yaml, then the API server stores it and Serin routes it', async (t) => {
    const run = migrate('-f', 'examples/seed/canary.yaml', '--gateway', 'gateways/public:http', '-o', 'yaml');
    assert.equal(run.code, 0, run.err);
    const [canary, ...more] = parseManifests(run.out, 'stdout');
    assert.ok(canary);
    assert.equal(more.length, 0);
    const checked = createValidators({ unknownFields: 'reject' }).canary(canary);
    assert.ok(checked.ok, checked.ok ? '' : formatIssues(checked.issues));
    const registry = providerRegistry('appmesh:v1beta2');
    assert.equal(registry.resolve(checked.value).name, 'gatewayapi:v1');
    assert.equal(registry.featureProblem(checked.value), undefined);
    const ns = await freshNamespace(t, kc, 'migrate');
    const stored = await objects.create({ ...canary, metadata: { ...canary.metadata, namespace: ns } });
    const spec = (stored as unknown as { spec: { provider: string; service: { gatewayRefs: unknown } } }).spec;
    assert.equal(spec.provider, 'gatewayapi:v1');
    assert.deepEqual(spec.service.gatewayRefs, [
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'public',
        namespace: 'gateways',
        sectionName: 'http',
      },
    ]);
  });

  test('the text report says it changes nothing, lists the changes, the plan and the YAML', () => {
    const run = migrate('-f', 'examples/seed/canary.yaml', '--gateway', 'gateways/public:http', '--lattice');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /changes nothing in any cluster/);
    assert.match(run.out, /- spec\.provider: appmesh:v1beta2 → gatewayapi:v1 — /);
    assert.match(run.out, /Phase A: .*\n[\s\S]*Phase B: [\s\S]*Phase C: /);
    assert.match(run.out, /Migrated Canary:\napiVersion: flagger\.app\/v1beta1/);
  });

  test('a bad --gateway exits with 2, naming the flag and the expected form', () => {
    const run = migrate('-f', 'examples/seed/canary.yaml', '--gateway', 'public');
    assert.equal(run.code, 2);
    assert.match(run.err, /--gateway takes NAMESPACE\/NAME\[:SECTION\], e\.g\. gateways\/public:http; got "public"/);
  });

  test('--from-cluster --apply switches an idle App Mesh canary to Gateway API, leaves one mid-release alone, and the switched one then releases through its HTTPRoute', async (t) => {
    const ns = await freshNamespace(t, kc, 'migrate-apply');
    for (const name of ['account', 'busy']) {
      await apply(appDeployment(ns, name, { replicas: 1 }), appConfigMap(ns, name, { 'app.properties': 'v=1' }));
      await apply(seedLikeCanary(ns, name, { hpa: false }));
    }
    await rest.json(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/busy/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'Progressing', canaryWeight: 20 } },
    });
    const kubeconfig = process.env.KUBECONFIG ?? '';
    const args = ['--from-cluster', '-n', ns, '--gateway', `${ns}/public`, '--apply', '--kubeconfig', kubeconfig];
    const run = migrate(...args);
    t.diagnostic(run.err);
    assert.equal(run.code, 1, 'one canary could not be switched');
    assert.match(run.out, /^With --apply the migrated Canaries are written to the cluster/);
    assert.match(run.err, new RegExp(`applied: Canary ${ns}/account now routes through gatewayapi:v1`));
    assert.match(
      run.err,
      new RegExp(`not applied: Canary ${ns}/busy is Progressing, a release is running; run again once it is`),
    );

    const read = (name: string) =>
      rest.json<{ spec: { provider?: string; service: { gatewayRefs?: { name: string }[]; backends?: string[] } } }>(
        `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}`,
      );
    const account = await read('account');
    assert.equal(account.spec.provider, 'gatewayapi:v1');
    assert.deepEqual(
      account.spec.service.gatewayRefs?.map((g) => g.name),
      ['public'],
    );
    assert.equal(account.spec.service.backends, undefined, 'App Mesh backends dropped');
    assert.equal((await read('busy')).spec.provider, 'appmesh:v1beta2', 'the busy canary is untouched');

    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized', 60_000);
    await rest.json(`/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/account`);
    await setImage(ns, 'account', 'registry.example.com/shop/account:2.0.0');
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
  });
});
