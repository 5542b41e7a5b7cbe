/**
 * The chart's optional dashboard (`dashboard.*`, `serin dashboard --auth kubernetes`) and the
 * kustomize component for it, held to deploy/dashboard.yaml: the same objects and rules, the same
 * Deployment in substance, the release's image; read-only unless a proxy header asks for
 * impersonation. Rendered by Helm 4 and kustomize (built from their Go modules), accepted by the API
 * server, and installed for real, where the API server's authorizer answers what the dashboard's
 * ServiceAccount may do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { CHART, assertAccepted, availableDeployment, render, repoObjects, rulesOf } from '../support/chart-checks.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import {
  DASHBOARD_PROXY_SETS,
  clusterRoleRules,
  dashboardInSubstance,
  dashboardObjects,
  kindsAndNames,
  serviceAccountMay,
  writesOf,
} from '../support/dashboard-chart.js';
import { ROOT, container, ensureNamespace, helmCli, objectsOf, only, run, toolBinary } from '../support/helm.js';

const kc = testKubeConfig();
const DASHBOARD_YAML = 'deploy/dashboard.yaml';
const DASHBOARD_COMPONENT = 'deploy/kustomize/components/dashboard';

describe("the serin chart's dashboard", () => {
  test("off by default; dashboard.enabled renders deploy/dashboard.yaml's objects with the release's image, read-only", async (t) => {
    const helm = await helmCli(t);
    await ensureNamespace(kc, 'serin-system');
    assert.deepEqual(dashboardObjects(await render(helm, 'serin', 'serin-system', [])), [], 'off by default');

    const objects = await render(helm, 'serin', 'serin-system', ['--set', 'dashboard.enabled=true']);
    await assertAccepted(kc, objects);
    const dashboard = dashboardObjects(objects);
    assert.deepEqual(kindsAndNames(dashboard), [
      'ClusterRole serin-dashboard',
      'ClusterRoleBinding serin-dashboard',
      'Deployment serin-dashboard',
      'Service serin-dashboard',
      'ServiceAccount serin-dashboard',
    ]);
    const plain = await repoObjects(DASHBOARD_YAML);
    const rules = rulesOf(dashboard);
    assert.deepEqual(rules, clusterRoleRules(plain, 'serin-dashboard'), "deploy/dashboard.yaml's rules");
    assert.deepEqual(writesOf(rules), [], 'reads only: every action is written with the viewer’s own rights');
    const binding = only(dashboard, 'ClusterRoleBinding') as KubeObject & { subjects?: unknown };
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'serin-dashboard', namespace: 'serin-system' },
    ]);

    const deployment = only(dashboard, 'Deployment');
    assert.deepEqual(dashboardInSubstance(deployment), dashboardInSubstance(only(plain, 'Deployment')));
    const pod = (deployment.spec as { template: { spec: { securityContext?: { runAsUser?: number } } } }).template.spec;
    assert.equal(pod.securityContext?.runAsUser, 65532, "the image's own user (its home belongs to uid 65532)");
    const operator = container(only(objects, 'Deployment', 'serin'), 'serin');
    const served = container(deployment, 'dashboard');
    assert.equal(served.image, operator.image, "the release's image");
    assert.equal(served.imagePullPolicy, operator.imagePullPolicy);
    assert.deepEqual(served.args, ['dashboard', '--auth=kubernetes', '--port=7700', '--log-level=info']);
    assert.deepEqual(only(dashboard, 'Service').spec, {
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'serin-dashboard', 'app.kubernetes.io/instance': 'serin' },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    });
    const operatorService = only(objects, 'Service', 'serin').spec as { selector: Record<string, string> };
    const podLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    const picks = Object.entries(operatorService.selector).every(([k, v]) => podLabels[k] === v);
    assert.ok(!picks, "the operator's Service (and PodMonitor, PDB) never selects a dashboard pod");
  });

  test('behind a proxy: the flags, the impersonation ClusterRole and binding, an Ingress with TLS; its settings', async (t) => {
    const helm = await helmCli(t);
    const ns = await freshNamespace(t, kc, 'chart-dash');
    const objects = dashboardObjects(
      await render(helm, 'prod', ns, [
        ...DASHBOARD_PROXY_SETS,
        ...['--set', 'namespace=shop', '--set', 'logLevel=warning', '--set', 'image.tag=1.2.3'],
        ...['--set', 'image.pullSecret=regcred', '--set', 'dashboard.port=8443', '--set', 'dashboard.service.port=443'],
        ...['--set', 'dashboard.service.type=LoadBalancer', '--set', 'dashboard.resources.requests.memory=200Mi'],
      ]),
    );
    await assertAccepted(kc, objects);
    const name = 'prod-serin-dashboard';
    assert.deepEqual(kindsAndNames(objects), [
      `ClusterRole ${name}`,
      `ClusterRole ${name}-impersonate`,
      `ClusterRoleBinding ${name}`,
      `ClusterRoleBinding ${name}-impersonate`,
      `Deployment ${name}`,
      `Ingress ${name}`,
      `Service ${name}`,
      `ServiceAccount ${name}`,
    ]);
    const plain = await repoObjects(DASHBOARD_YAML);
    const impersonate = only(objects, 'ClusterRole', `${name}-impersonate`) as KubeObject & { rules?: unknown };
    assert.deepEqual(impersonate.rules, clusterRoleRules(plain, 'serin-dashboard-impersonate'));
    const binding = only(objects, 'ClusterRoleBinding', `${name}-impersonate`) as KubeObject & { subjects?: unknown };
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name, namespace: ns }]);

    const deployment = only(objects, 'Deployment');
    const served = container(deployment, 'dashboard');
    assert.deepEqual(served.args, [
      'dashboard',
      '--auth=kubernetes',
      '--port=8443',
      '--log-level=warn',
      '--namespace=shop',
      '--auth-proxy-header=X-Forwarded-User',
      '--auth-proxy-groups-header=X-Forwarded-Groups',
    ]);
    assert.equal(served.image, 'ghcr.io/serin-project/serin:1.2.3');
    assert.deepEqual(served.ports, [{ name: 'http', containerPort: 8443 }]);
    assert.deepEqual(served.resources, { requests: { cpu: '50m', memory: '200Mi' }, limits: { memory: '512Mi' } });
    const pod = (deployment.spec as { template: { spec: { imagePullSecrets?: unknown } } }).template.spec;
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }]);
    const service = only(objects, 'Service').spec as { type: string; ports: unknown };
    assert.equal(service.type, 'LoadBalancer');
    assert.deepEqual(service.ports, [{ name: 'http', port: 443, targetPort: 'http' }]);
    assert.deepEqual(only(objects, 'Ingress').spec, {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['serin.example.com'], secretName: `${name}-tls` }],
      rules: [
        {
          host: 'serin.example.com',
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }],
          },
        },
      ],
    });

    const plainHttp = await render(helm, 'prod', ns, [
      ...DASHBOARD_PROXY_SETS,
      '--set',
      'dashboard.ingress.tls.enabled=false',
    ]);
    assert.equal((only(plainHttp, 'Ingress').spec as { tls?: unknown }).tls, undefined, 'TLS off only when asked');
    const noRbac = dashboardObjects(
      await render(helm, 'prod', ns, [...DASHBOARD_PROXY_SETS, '--set', 'rbac.create=false']),
    );
    assert.deepEqual(
      noRbac.filter((o) => o.kind.startsWith('ClusterRole')),
      [],
      'rbac.create=false: no ClusterRole or binding, for the dashboard either',
    );
  });

  test('a bad dashboard value stops the install, naming the key and what it wants', async (t) => {
    const helm = await helmCli(t);
    const refused: [string[], RegExp][] = [
      [['--set', 'dashboard.enable=true'], /at '\/dashboard': additional properties 'enable' not allowed/],
      [['--set', 'dashboard.port=http'], /at '\/dashboard\/port': got string, want integer/],
      [['--set', 'dashboard.port=70000'], /at '\/dashboard\/port': maximum/],
      [['--set', 'dashboard.service.type=Ingress'], /at '\/dashboard\/service\/type': value must be one of/],
      [['--set', 'dashboard.authProxyHeader=X Forwarded User'], /at '\/dashboard\/authProxyHeader': .* does not match/],
      [['--set', 'dashboard.ingress.host=https://serin.example.com/'], /at '\/dashboard\/ingress\/host'/],
      [['--set', 'dashboard.ingress.tls.secretname=x'], /at '\/dashboard\/ingress\/tls': additional properties/],
      [['--set', 'dashboard.resources.requests.cpu=true'], /at '\/dashboard\/resources\/requests\/cpu'/],
      [
        ['--set', 'dashboard.enabled=true', '--set', 'dashboard.authProxyGroupsHeader=X-Forwarded-Groups'],
        /dashboard\.authProxyGroupsHeader needs dashboard\.authProxyHeader/,
      ],
      [
        ['--set', 'dashboard.enabled=true', '--set', 'dashboard.ingress.enabled=true'],
        /dashboard\.ingress\.enabled=true needs dashboard\.ingress\.host/,
      ],
    ];
    for (const [args, message] of refused) {
      const result = await helm.run(['template', 'serin', CHART, ...args]);
      assert.notEqual(result.code, 0, `${args.join(' ')} is refused`);
      assert.match(result.stderr, message);
    }
  });

  test(
    'installed with the dashboard behind a proxy: its objects exist, its ServiceAccount reads and impersonates but writes nothing; upgrade to token mode and uninstall',
    { timeout: 180_000 },
    async (t) => {
      const helm = await helmCli(t);
      const ns = await freshNamespace(t, kc, 'chart-dash-install');
      const release = `serin-${ns.split('-').pop()}`;
      const name = `${release}-dashboard`;
      t.after(() => helm.run(['uninstall', release, '--namespace', ns]));
      await helm.ok(['upgrade', '-i', release, CHART, `--namespace=${ns}`, ...DASHBOARD_PROXY_SETS]);
      const deployment = await availableDeployment(kc, ns, name);
      assert.deepEqual(container(deployment, 'dashboard').args.slice(0, 2), ['dashboard', '--auth=kubernetes']);
      const rest = new KubeRest(kc);
      const objectPaths = [
        `/api/v1/namespaces/${ns}/services/${name}`,
        `/api/v1/namespaces/${ns}/serviceaccounts/${name}`,
        `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${name}`,
        `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`,
        `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`,
      ];
      for (const path of objectPaths) assert.equal((await rest.request(path)).status, 200, path);

      const may = (verb: string, group: string, resource: string) =>
        serviceAccountMay(kc, ns, name, { verb, group, resource });
      assert.ok(await may('watch', 'flagger.app', 'canaries'), 'watches canaries');
      assert.ok(await may('list', '', 'events'), 'lists events');
      assert.ok(await may('create', 'authentication.k8s.io', 'tokenreviews'), 'reviews tokens');
      assert.ok(await may('create', 'authorization.k8s.io', 'subjectaccessreviews'), 'asks about viewers');
      assert.ok(await may('impersonate', '', 'users'), 'impersonates the proxy’s user');
      assert.ok(!(await may('patch', 'flagger.app', 'canaries')), 'never writes a canary with its own rights');
      assert.ok(!(await may('update', 'apps', 'deployments')), 'nor a Deployment');

      await helm.ok(['upgrade', release, CHART, `--namespace=${ns}`, '--set', 'dashboard.enabled=true']);
      await eventually('the impersonation rights gone in token mode', async () => {
        const role = await rest.request(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}-impersonate`);
        return (role.status === 404 && !(await may('impersonate', '', 'users'))) || undefined;
      });
      assert.ok(await may('list', 'flagger.app', 'canaries'), 'still reads canaries');

      await helm.ok(['uninstall', release, '--namespace', ns]);
      await eventually('the dashboard objects gone', async () => {
        const left = await Promise.all(
          [`/apis/apps/v1/namespaces/${ns}/deployments/${name}`, ...objectPaths].map((p) => rest.request(p)),
        );
        return left.every((r) => r.status === 404) || undefined;
      });
    },
  );
});

describe('the kustomize component for the dashboard', () => {
  test("the dashboard component is deploy/dashboard.yaml in serin-system with the chart's image; an overlay with it is accepted", async (t) => {
    const [kustomize, helm] = [await toolBinary(t, 'kustomize'), await helmCli(t)];
    const copy = `${DASHBOARD_COMPONENT}/manifests/dashboard.yaml`;
    const same = (await readFile(join(ROOT, copy), 'utf8')) === (await readFile(join(ROOT, DASHBOARD_YAML), 'utf8'));
    assert.ok(same, `${copy} differs from ${DASHBOARD_YAML}: cp ${DASHBOARD_YAML} ${copy}`);
    await ensureNamespace(kc, 'serin-system');
    // An overlay of a user's: the App Mesh one with the component added (kustomize takes relative paths only).
    const dir = await mkdtemp(join(tmpdir(), 'serin-kustomize-'));
    const from = (path: string) => relative(dir, join(ROOT, path));
    await writeFile(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${from('deploy/kustomize/overlays/appmesh')}]`,
        `components: [${from(DASHBOARD_COMPONENT)}]`,
      ].join('\n'),
    );
    const result = await run(kustomize, ['build', dir]);
    assert.equal(result.code, 0, result.stderr);
    const objects = objectsOf(result.stdout, 'kustomize build with the dashboard component');
    await assertAccepted(kc, objects);
    const plain = await repoObjects(DASHBOARD_YAML);
    const dashboard = dashboardObjects(objects);
    assert.deepEqual(kindsAndNames(dashboard), kindsAndNames(plain));
    for (const o of dashboard) {
      const scoped = !['ClusterRole', 'ClusterRoleBinding'].includes(o.kind);
      assert.equal(o.metadata.namespace, scoped ? 'serin-system' : undefined, `${o.kind} ${o.metadata.name}`);
    }
    const chart = await render(helm, 'serin', 'serin-system', ['--set', 'dashboard.enabled=true']);
    const [deployment, charted] = [only(dashboard, 'Deployment'), only(chart, 'Deployment', 'serin-dashboard')];
    assert.deepEqual(dashboardInSubstance(deployment), dashboardInSubstance(charted), "the chart's dashboard");
    assert.equal(container(deployment).image, container(charted).image, "the chart's image");
    assert.equal(only(objects, 'Deployment', 'serin').metadata.namespace, 'serin-system', 'the operator is untouched');
  });
});
