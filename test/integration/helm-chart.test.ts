/**
 * deploy/helm/serin takes a Flagger user's values unchanged: Helm 4 (built from its Go module)
 * lints and renders it with the seed's `--set` flags and with a Flagger values file, and the API
 * server accepts every rendered object in a server-side dry run. Installed for real with the seed's
 * command, its ServiceAccount's token is all the operator needs for a release and a rollback. The
 * load tester chart and the plain manifests (kustomize, also built from its Go module) are held to
 * the same bar. The chart's optional dashboard is checked in helm-chart-dashboard.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, appHpa, seedLikeCanary } from '../support/fixtures.js';
import {
  ROOT,
  container,
  ensureNamespace,
  helmCli,
  installMonitoringCrds,
  objectsOf,
  only,
  operatorSettings,
  run,
  tokenKubeconfig,
  toolBinary,
} from '../support/helm.js';
import { CHART, assertAccepted, availableDeployment, render, repoObjects, rulesOf } from '../support/chart-checks.js';
import { DASHBOARD_PROXY_SETS } from '../support/dashboard-chart.js';
import { appMeshWeights, canaryEvents, startTestOperator, waitForPhase } from '../support/operator.js';
import { startRecordingServer } from '../support/prometheus.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();
const LOADTESTER_CHART = 'deploy/helm/serin-loadtester';
const FLAGGER_VALUES = 'test/fixtures/flagger-values.yaml';
/** The seed's `helm upgrade -i flagger flagger/flagger …` flags, word for word. */
const SEED_SETS = [
  '--set',
  'crd.create=false',
  '--set',
  'meshProvider=appmesh:v1beta2',
  '--set',
  'metricsServer=http://appmesh-prometheus:9090',
];

describe('the serin chart', () => {
  test('helm lint passes with the defaults, the seed values, a Flagger values file and the dashboard; so does the load tester chart', async (t) => {
    const helm = await helmCli(t);
    for (const args of [[], SEED_SETS, ['-f', FLAGGER_VALUES], DASHBOARD_PROXY_SETS]) {
      const out = await helm.ok(['lint', '--strict', CHART, ...args]);
      assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
    assert.match(await helm.ok(['lint', '--strict', LOADTESTER_CHART]), /0 chart\(s\) failed/);
  });

  test("renders the seed's command into objects the API server accepts, with the seed's settings and deploy/rbac.yaml's rules", async (t) => {
    const helm = await helmCli(t);
    await ensureNamespace(kc, 'appmesh-system');
    // --include-crds: what `helm install` also sends on a first install (from the chart's crds/).
    const objects = await render(helm, 'serin', 'appmesh-system', [...SEED_SETS, '--include-crds']);
    await assertAccepted(kc, objects);
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'Deployment',
      'Service',
      'ServiceAccount',
    ]);
    assert.deepEqual(rulesOf(objects), rulesOf(await repoObjects('deploy/rbac.yaml')));
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    assert.deepEqual(crds, await repoObjects('deploy/crds/all.yaml'), "the chart's crds/ is deploy/crds/all.yaml");

    const deployment = only(objects, 'Deployment', 'serin');
    const settings = await operatorSettings(container(deployment, 'serin').args);
    assert.equal(settings.meshProvider, 'appmesh:v1beta2');
    assert.equal(settings.metricsServer, 'http://appmesh-prometheus:9090');
    assert.equal(settings.leaderElection, undefined, 'one replica, no election');
    assert.deepEqual((deployment.spec as { strategy: unknown }).strategy, { type: 'Recreate' });
    const binding = only(objects, 'ClusterRoleBinding', 'serin') as { subjects?: unknown };
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'serin', namespace: 'appmesh-system' }]);
  });

  test('renders a Flagger values file unchanged: every key it sets reaches the operator, every object is accepted', async (t) => {
    const helm = await helmCli(t);
    await installMonitoringCrds(kc, helm);
    const ns = await freshNamespace(t, kc, 'chart-flagger');
    const objects = await render(helm, 'flagger', ns, ['-f', FLAGGER_VALUES]);
    await assertAccepted(kc, objects);
    const values = parse(await readFile(join(ROOT, FLAGGER_VALUES), 'utf8')) as {
      slack: { url: string };
      resources: unknown;
      podAnnotations: Record<string, string>;
    };
    const deployment = only(objects, 'Deployment');
    const serin = container(deployment, 'serin');
    assert.deepEqual(serin.args.slice(0, 6), [
      'operator',
      '--port=8080',
      '--log-level=warn',
      '--mesh-provider=appmesh:v1beta2',
      '--metrics-server=http://appmesh-prometheus.appmesh-system:9090',
      '--selector-labels=app,name,app.kubernetes.io/name',
    ]);
    const settings = await operatorSettings(serin.args);
    assert.equal(settings.configTracking, false);
    assert.equal(settings.clusterName, 'prod-ap-northeast-2');
    assert.equal(settings.leaderElection?.namespace, ns, 'two replicas elect a leader in the release namespace');
    assert.ok(serin.args.includes('--slack-channel=deployments') && serin.args.includes('--slack-user=flagger'));
    assert.ok(!serin.args.some((a) => a.includes('hooks.slack.com')), 'the webhook URL is not in the args');
    const secret = only(objects, 'Secret') as KubeObject & { stringData?: Record<string, string> };
    assert.equal(secret.stringData?.['slack-url'], values.slack.url);
    assert.deepEqual(serin.env, [
      { name: 'SLACK_URL', valueFrom: { secretKeyRef: { name: secret.metadata.name, key: 'slack-url' } } },
      { name: 'TZ', value: 'Asia/Seoul' },
    ]);
    assert.equal(serin.imagePullPolicy, 'Always');
    assert.deepEqual(serin.resources, values.resources);
    assert.deepEqual((serin.securityContext as { runAsUser: number }).runAsUser, 10001);
    assert.deepEqual((serin.securityContext as { capabilities: unknown }).capabilities, { drop: ['ALL'] });
    const spec = deployment.spec as {
      replicas: number;
      strategy?: unknown;
      template: { metadata: { annotations: Record<string, string>; labels: Record<string, string> } };
    };
    assert.equal(spec.replicas, 2);
    assert.equal(spec.strategy, undefined, 'rolled, not replaced: the Lease keeps one replica acting');
    for (const [key, value] of Object.entries(values.podAnnotations)) {
      assert.equal(spec.template.metadata.annotations[key], value, `podAnnotations.${key}`);
    }
    assert.equal(spec.template.metadata.labels.team, 'platform');
    assert.equal((only(objects, 'PodDisruptionBudget').spec as { minAvailable: number }).minAvailable, 1);
    const monitor = only(objects, 'ServiceMonitor') as KubeObject & { spec: { endpoints: { honorLabels: boolean }[] } };
    assert.equal(monitor.metadata.labels?.release, 'kube-prometheus-stack');
    assert.equal(monitor.spec.endpoints[0]?.honorLabels, true);
  });

  test('crd.create=true renders deploy/crds/all.yaml as release objects that survive an uninstall; PodMonitor and maxUnavailable too', async (t) => {
    const helm = await helmCli(t);
    await installMonitoringCrds(kc, helm);
    const ns = await freshNamespace(t, kc, 'chart-crds');
    const objects = await render(helm, 'serin', ns, [
      '--set',
      'crd.create=true',
      '--set',
      'podMonitor.enabled=true',
      '--set',
      'podDisruptionBudget.enabled=true',
      '--set',
      'podDisruptionBudget.minAvailable=null',
      '--set',
      'podDisruptionBudget.maxUnavailable=1',
    ]);
    await assertAccepted(kc, objects);
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    assert.deepEqual(crds, await repoObjects('deploy/crds/all.yaml'));
    for (const crd of crds) assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
    assert.deepEqual(only(objects, 'PodDisruptionBudget').spec, {
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'serin', 'app.kubernetes.io/instance': 'serin' } },
    });
    only(objects, 'PodMonitor');
  });

  test('Flagger values Serin cannot honour stop the install, naming the key and the fix', async (t) => {
    const helm = await helmCli(t);
    const refused: [string[], RegExp][] = [
      [['--set', 'prometheus.install=true'], /prometheus\.install=true .* set metricsServer/],
      [['--set', 'eventWebhook=http://events.example.com/'], /eventWebhook .* webhook of type `event`/],
      [
        ['--set', 'image.repository=ghcr.io/fluxcd/flagger'],
        /image\.repository "ghcr\.io\/fluxcd\/flagger" is Flagger's image/,
      ],
      [['--set', 'controlplane.kubeconfig.secretName=mesh'], /controlplane\.kubeconfig\.secretName/],
      [['--set', 'noCrossNamespaceRefs=true'], /noCrossNamespaceRefs=true/],
      [['--set', 'metricsServer=prometheus:9090'], /\/metricsServer'?: 'prometheus:9090' does not match/],
      [['--set', 'logLevel=verbose'], /\/logLevel'?: value must be one of/],
      [['--set', 'podAnnotations.port=8080'], /\/podAnnotations\/port'?: got number, want string/],
      [['--set', 'leaderElection.replicaCount=-1'], /\/leaderElection\/replicaCount/],
    ];
    for (const [args, message] of refused) {
      const result = await helm.run(['template', 'serin', CHART, ...args]);
      assert.notEqual(result.code, 0, `${args.join(' ')} is refused`);
      assert.match(result.stderr, message);
    }
  });

  test(
    "installed with the seed's command, the operator runs as the chart's ServiceAccount through a release and a rollback; upgrade and uninstall",
    { timeout: 300_000 },
    async (t) => {
      const helm = await helmCli(t);
      await installMonitoringCrds(kc, helm);
      const releaseNs = await freshNamespace(t, kc, 'chart-install');
      const release = `serin-${releaseNs.split('-').pop()}`;
      t.after(() => helm.run(['uninstall', release, '--namespace', releaseNs]));
      await helm.ok(['upgrade', '-i', release, CHART, `--namespace=${releaseNs}`, ...SEED_SETS]);
      const deployment = await availableDeployment(kc, releaseNs, release);
      const settings = await operatorSettings(container(deployment, 'serin').args);

      const kubeconfig = await tokenKubeconfig(kc, releaseNs, release);
      const appNs = await freshNamespace(t, kc, 'chart-app');
      await releaseAndRollback(t, appNs, { ...settings, kubeconfig, namespace: appNs, port: 0, minIntervalMs: 1000 });

      await helm.ok(['upgrade', release, CHART, `--namespace=${releaseNs}`, '--reset-values', '-f', FLAGGER_VALUES]);
      const upgraded = await availableDeployment(kc, releaseNs, release);
      assert.equal((upgraded.spec as { replicas: number }).replicas, 2);
      assert.ok(container(upgraded, 'serin').args.includes('--enable-leader-election'));

      await helm.ok(['uninstall', release, '--namespace', releaseNs]);
      const rest = new KubeRest(kc);
      await eventually('the release objects gone', async () => {
        const left = await Promise.all([
          rest.request(`/apis/apps/v1/namespaces/${releaseNs}/deployments/${release}`),
          rest.request(`/api/v1/namespaces/${releaseNs}/serviceaccounts/${release}`),
          rest.request(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${release}`),
          rest.request(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${release}`),
        ]);
        return left.every((r) => r.status === 404) || undefined;
      });
      const crd = await rest.request('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/canaries.flagger.app');
      assert.equal(crd.status, 200, 'the CRDs (and every Canary) stay');
    },
  );
});

/**
 * The seed's Canary (App Mesh, HPA, a rollout webhook) released to Succeeded, then a revision whose
 * webhook fails rolled back, by the operator started with `options`.
 */
async function releaseAndRollback(
  t: TestContext,
  ns: string,
  options: Parameters<typeof startTestOperator>[2],
): Promise<void> {
  let failing = false;
  const hook = await startRecordingServer(() => ({ status: failing ? 500 : 200, body: '' }));
  t.after(() => hook.close());
  await apply(
    appConfigMap(ns, 'account', { k: 'v1' }),
    appDeployment(ns, 'account', { replicas: 1 }),
    appHpa(ns, 'account', 1, 2),
    seedLikeCanary(ns, 'account', {
      analysis: {
        stepWeight: 50,
        maxWeight: 50,
        threshold: 2,
        webhooks: [{ name: 'acceptance-test', type: 'rollout', url: `${hook.url}/`, timeout: '5s' }],
      },
    }),
  );
  await startTestOperator(t, ns, options);
  await waitForPhase(ns, 'account', 'Initialized', 60_000);
  await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
  await waitForPhase(ns, 'account', 'Succeeded', 60_000);

  failing = true;
  await setImage(ns, 'account', 'registry.example.com/shop/account:1.2.0-bad');
  await waitForPhase(ns, 'account', 'Failed', 60_000);
  assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
  const events = await canaryEvents(ns, 'account');
  assert.ok(
    events.some((e) => /Promotion completed!/.test(e)) && events.some((e) => /Canary failed!/.test(e)),
    events.join('\n'),
  );
}

describe('the serin-loadtester chart', () => {
  test("renders deploy/loadtester.yaml's Deployment and Service, accepted by the API server; its options too", async (t) => {
    const helm = await helmCli(t);
    const ns = await freshNamespace(t, kc, 'chart-lt');
    const objects = await render(helm, 'flagger-loadtester', ns, [], LOADTESTER_CHART);
    await assertAccepted(kc, objects);
    const plain = await repoObjects('deploy/loadtester.yaml');
    const args = container(only(objects, 'Deployment', 'flagger-loadtester')).args;
    assert.deepEqual(
      args.filter((a) => a !== '--log-level=info'),
      container(only(plain, 'Deployment')).args,
      'the args of deploy/loadtester.yaml (the chart adds the default --log-level)',
    );
    const service = only(objects, 'Service', 'flagger-loadtester').spec as { ports: unknown };
    assert.deepEqual(service.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);

    const options = await render(
      helm,
      'lt',
      ns,
      [
        ...['--set', 'appmesh.enabled=true', '--set', 'appmesh.backends={account,account-canary}'],
        ...['--set', 'commands.enabled=true', '--set', 'commands.allow={kubectl,helm}'],
        ...['--set', 'commands.tokenSecret=lt-token', '--set', 'rbac.create=true'],
        ...['--set', 'rbac.rules[0].apiGroups={apps}', '--set', 'rbac.rules[0].resources={deployments}'],
        ...['--set', 'rbac.rules[0].verbs={get}', '--set', 'podDisruptionBudget.enabled=true'],
      ],
      LOADTESTER_CHART,
    );
    await assertAccepted(kc, options);
    assert.deepEqual(options.map((o) => o.kind).sort(), [
      'Deployment',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
      'VirtualNode',
    ]);
    const withCommands = container(only(options, 'Deployment')).args;
    assert.ok(withCommands.includes('--enable-commands') && withCommands.includes('--allow-command=kubectl,helm'));
    const refused = await helm.run(['template', 'lt', LOADTESTER_CHART, '--set', 'commands.enabled=true']);
    assert.match(refused.stderr, /commands\.enabled=true needs commands\.allow .* commands\.tokenSecret/);
  });
});

describe('the plain manifests (deploy/kustomize)', () => {
  test('the base is deploy/crds/all.yaml, deploy/rbac.yaml and the chart defaults; base and App Mesh overlay are accepted', async (t) => {
    const [kustomize, helm] = [await toolBinary(t, 'kustomize'), await helmCli(t)];
    for (const [copy, source] of [
      ['deploy/kustomize/base/crds.yaml', 'deploy/crds/all.yaml'],
      ['deploy/kustomize/base/rbac.yaml', 'deploy/rbac.yaml'],
    ] as const) {
      const same = (await readFile(join(ROOT, copy), 'utf8')) === (await readFile(join(ROOT, source), 'utf8'));
      assert.ok(same, `${copy} differs from ${source}: cp ${source} ${copy}`);
    }
    await ensureNamespace(kc, 'serin-system');
    const build = async (dir: string) => {
      const result = await run(kustomize, ['build', dir]);
      assert.equal(result.code, 0, result.stderr);
      return objectsOf(result.stdout, `kustomize build ${dir}`);
    };
    const base = await build('deploy/kustomize/base');
    await assertAccepted(kc, base);
    const chart = await render(helm, 'serin', 'serin-system', []);
    const podSpec = (o: KubeObject) => (o.spec as { template: { spec: unknown } }).template.spec;
    assert.deepEqual(podSpec(only(base, 'Deployment')), podSpec(only(chart, 'Deployment')), 'the chart default pod');

    const overlay = await build('deploy/kustomize/overlays/appmesh');
    await assertAccepted(kc, overlay);
    const settings = await operatorSettings(container(only(overlay, 'Deployment')).args);
    assert.equal(settings.meshProvider, 'appmesh:v1beta2');
    assert.equal(settings.metricsServer, 'http://appmesh-prometheus.appmesh-system:9090');
  });
});
