/**
 * `serin check` as a user runs it: the real CLI as a child process, against the real cluster, a real
 * Prometheus scraping a tiny exporter, and a webhook receiver that must never receive a request.
 * Given a healthy setup it passes; each broken variant fails with exit 1 and names its problem.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import type { CheckReport, CheckSummary } from '../../src/check/report.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { eventually, freshNamespace, serviceAccountKubeconfig, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, appHpa, seedLikeCanary } from '../support/fixtures.js';
import { freePort, startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { apply } from '../support/user.js';

const kc = testKubeConfig();
const root = resolve(import.meta.dirname, '../..');
const TOKEN = 'hook-t0ken-never-printed';

let exporter: Server;
let prometheus: TestPrometheus;
let hook: Server;
let hookPort: number;
const hookRequests: string[] = [];
let hookConnections = 0;
let dir: string;

function listen(server: Server): Promise<number> {
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : 0);
    }),
  );
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-check-'));
  exporter = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE serin_check_error_ratio gauge\nserin_check_error_ratio{app="account"} 0.25\n');
  });
  const exporterPort = await listen(exporter);
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${exporterPort}`] });
  await eventually('first scrape', async () => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=serin_check_error_ratio`);
    return (await res.text()).includes('account') ? true : undefined;
  });
  hook = createServer((req, res) => {
    hookRequests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.end();
  });
  hook.on('connection', () => hookConnections++);
  hookPort = await listen(hook);
});

after(async () => {
  await prometheus.stop();
  await new Promise((r) => exporter.close(r));
  await new Promise((r) => hook.close(r));
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** `serin check …` as its own process. */
function serinCheck(t: TestContext, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/serin.ts', 'check', ...args], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      t.diagnostic(`serin check ${args.join(' ')} → exit ${code}\n${out}${err}`);
      done({ code, out, err });
    });
  });
}

function template(ns: string, query: string): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'error-ratio', namespace: ns },
    spec: { provider: { type: 'prometheus', address: prometheus.url }, query },
  };
}

const GOOD_QUERY = 'max(serin_check_error_ratio{app="{{ target }}"})';

function canary(ns: string, webhookUrl = `http://127.0.0.1:${hookPort}/start-load-test?token=${TOKEN}`): KubeObject {
  return seedLikeCanary(ns, 'account', {
    analysis: {
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
        { name: 'error-ratio', templateRef: { name: 'error-ratio' }, thresholdRange: { max: 1 }, interval: '1m' },
      ],
      webhooks: [{ name: 'load-test', type: 'rollout', url: webhookUrl, timeout: '5s' }],
    },
  });
}

async function canaryFile(name: string, ...objects: KubeObject[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, objects.map((o) => stringify(o)).join('---\n'));
  return file;
}

/** A namespace with everything the Canary needs except what `without` names. */
async function world(t: TestContext, without: 'deployment' | 'hpa' | 'none' = 'none', query = GOOD_QUERY) {
  const ns = await freshNamespace(t, kc, 'check');
  await apply(
    appConfigMap(ns, 'account', { 'application.properties': 'ok' }),
    ...(without === 'deployment' ? [] : [appDeployment(ns, 'account')]),
    ...(without === 'hpa' ? [] : [appHpa(ns, 'account')]),
    template(ns, query),
  );
  return ns;
}

const kubeconfig = (): string[] => ['--kubeconfig', process.env.KUBECONFIG ?? ''];

describe('serin check', () => {
  test('a healthy setup passes (exit 0): values judged, builtin no-data only warned, webhook reached without a request', async (t) => {
    const ns = await world(t);
    const file = await canaryFile(`healthy-${ns}.yaml`, canary(ns));
    const connectionsBefore = hookConnections;
    const run = await serinCheck(t, '-f', file, ...kubeconfig(), '--metrics-server', prometheus.url);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, new RegExp(`Canary ${ns}/account \\(`));
    assert.match(run.out, new RegExp(`✔ Deployment ${ns}/account exists; selector label app=account`));
    assert.match(run.out, new RegExp(`✔ HorizontalPodAutoscaler ${ns}/account exists`));
    assert.match(run.out, new RegExp(`✔ MetricTemplate ${ns}/error-ratio exists`));
    assert.match(run.out, /✔ App Mesh API appmesh\.k8s\.aws\/v1beta2 is served/);
    assert.match(run.out, /✔ error-ratio \(template .*\) = 0\.25: would pass today \(max 1\)/);
    assert.match(run.out, /! request-success-rate \(builtin\): no data — expected before a canary run/);
    assert.match(run.out, new RegExp(`✔ load-test \\(rollout\\) → 127\\.0\\.0\\.1:${hookPort} reachable`));
    assert.match(run.out, /✔ 0 errors, 1 warning, \d+ passed: the Canary is ready/);
    assert.doesNotMatch(run.out + run.err, new RegExp(`${TOKEN}|start-load-test`), 'no URL path or query printed');
    assert.deepEqual(hookRequests, [], 'the webhook received no request');
    assert.ok(hookConnections > connectionsBefore, 'the webhook port was connected to');

    const json = await serinCheck(t, '-f', file, ...kubeconfig(), '--metrics-server', prometheus.url, '-o', 'json');
    assert.equal(json.code, 0);
    const data = JSON.parse(json.out) as CheckReport & { summary: CheckSummary };
    assert.equal(data.summary.errors, 0);
    assert.equal(data.summary.exitCode, 0);
    const metrics = data.canaries[0]?.sections.find((s) => s.id === 'metrics');
    assert.ok(metrics?.checks.some((c) => c.data?.metric === 'error-ratio' && c.data.value === 0.25));
    assert.deepEqual(hookRequests, []);
  });

  test('a missing target Deployment fails (exit 1) and says how to fix it', async (t) => {
    const ns = await world(t, 'deployment');
    const file = await canaryFile(`no-target-${ns}.yaml`, canary(ns));
    const run = await serinCheck(t, '-f', file, ...kubeconfig(), '--metrics-server', prometheus.url);
    assert.equal(run.code, 1);
    assert.match(run.out, /\n✖ 1 error, /, 'only the broken part fails');
    assert.match(run.out, new RegExp(`✖ deployment ${ns}/account not found\\n\\s+→ create the Deployment`));
  });

  test('a missing HPA fails (exit 1)', async (t) => {
    const ns = await world(t, 'hpa');
    const file = await canaryFile(`no-hpa-${ns}.yaml`, canary(ns));
    const run = await serinCheck(t, '-f', file, ...kubeconfig(), '--metrics-server', prometheus.url);
    assert.equal(run.code, 1);
    assert.match(run.out, /\n✖ 1 error, /, 'only the broken part fails');
    assert.match(run.out, new RegExp(`✖ horizontalpodautoscaler ${ns}/account not found`));
  });

  test('a MetricTemplate query with an unknown variable fails (exit 1), naming the template and the variable', async (t) => {
    const ns = await world(t, 'none', 'max(serin_check_error_ratio{app="{{ namspace }}"})');
    const file = await canaryFile(`bad-template-${ns}.yaml`, canary(ns));
    const run = await serinCheck(t, '-f', file, ...kubeconfig(), '--metrics-server', prometheus.url);
    assert.equal(run.code, 1);
    assert.match(run.out, /\n✖ 1 error, /, 'only the broken part fails');
    assert.match(
      run.out,
      new RegExp(
        `✖ error-ratio .*metrictemplate ${ns}/error-ratio: query action "\\{\\{ namspace \\}\\}": unknown function or variable "namspace"`,
      ),
    );
  });

  test('a Prometheus that is down fails (exit 1) with the connection error', async (t) => {
    const ns = await world(t);
    const down = `http://127.0.0.1:${await freePort()}`;
    const run = await serinCheck(t, '-f', await canaryFile(`prom-down-${ns}.yaml`, canary(ns)), ...kubeconfig(), '--metrics-server', down); // prettier-ignore
    assert.equal(run.code, 1);
    assert.match(run.out, /\n✖ 1 error, /, 'only the broken part fails');
    assert.match(
      run.out,
      /✖ request-success-rate \(builtin\): Prometheus query failed: .* is unreachable: connection refused/,
    );
    assert.match(run.out, /→ pass --metrics-server with a Prometheus reachable from here/);
  });

  test('a webhook whose port is closed fails (exit 1): connection refused, host:port only', async (t) => {
    const ns = await world(t);
    const port = await freePort();
    const file = await canaryFile(`hook-closed-${ns}.yaml`, canary(ns, `http://127.0.0.1:${port}/hook?token=${TOKEN}`));
    const run = await serinCheck(t, '-f', file, ...kubeconfig(), '--metrics-server', prometheus.url);
    assert.equal(run.code, 1);
    assert.match(run.out, /\n✖ 1 error, /, 'only the broken part fails');
    assert.match(run.out, new RegExp(`✖ load-test \\(rollout\\) → 127\\.0\\.0\\.1:${port}: connection refused`));
    assert.doesNotMatch(run.out, new RegExp(TOKEN));
  });

  test('an invalid Canary file (stepWeight 150) fails (exit 1) with file, line, object, field and the expected range', async (t) => {
    const ns = await world(t);
    const bad = seedLikeCanary(ns, 'account', { analysis: { stepWeight: 150 } });
    const file = await canaryFile(`invalid-${ns}.yaml`, template(ns, GOOD_QUERY), bad);
    const run = await serinCheck(t, '-f', file, ...kubeconfig());
    assert.equal(run.code, 1);
    assert.match(run.out, /\n✖ 1 error, /, 'only the broken part fails');
    assert.match(
      run.out,
      new RegExp(`✖ ${file}:\\d+ Canary account: spec\\.analysis\\.stepWeight: must be <= 100, got 150`),
    );
    assert.match(run.out, /cluster, metric and webhook checks skipped/);
  });

  test('bad usage and unreadable files exit 2 before any report', async (t) => {
    const missing = await serinCheck(t, '-f', join(dir, 'nope.yaml'), ...kubeconfig());
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.yaml: cannot read it \(ENOENT\)/);
    assert.equal(missing.out, '');
    const badFlag = await serinCheck(t, '-f', join(dir, 'nope.yaml'), '-o', 'yaml');
    assert.equal(badFlag.code, 2);
  });

  test('an unknown namespace and a forbidden read are errors that say what to do', async (t) => {
    const ns = await world(t);
    const elsewhere = `${ns}-missing`;
    const missingNs = await serinCheck(t, '-f', await canaryFile(`ns-${ns}.yaml`, canary(elsewhere)), ...kubeconfig());
    assert.equal(missingNs.code, 1);
    assert.match(missingNs.out, new RegExp(`✖ namespace ${elsewhere} does not exist\\n\\s+→ create it`));

    const limited = await limitedKubeconfig(ns);
    const file = await canaryFile(`rbac-${ns}.yaml`, canary(ns));
    const forbidden = await serinCheck(t, '-f', file, '--kubeconfig', limited, '--metrics-server', prometheus.url);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.out, new RegExp(`✔ Deployment ${ns}/account exists`));
    assert.match(
      forbidden.out,
      new RegExp(
        `✖ cannot check HorizontalPodAutoscaler ${ns}/account: forbidden .*horizontalpodautoscalers\\.autoscaling in namespace ${ns}[^]*kubectl auth can-i get horizontalpodautoscalers\\.autoscaling -n ${ns}`,
      ),
    );
  });
});

/** A kubeconfig for a ServiceAccount that may get Deployments and ConfigMaps in `ns`, and nothing else. */
async function limitedKubeconfig(ns: string): Promise<string> {
  const file = await serviceAccountKubeconfig(kc, ns, 'checker');
  await apply(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'checker', namespace: ns },
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      ],
    } as KubeObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'checker', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'checker' },
      subjects: [{ kind: 'ServiceAccount', name: 'checker', namespace: ns }],
    } as KubeObject,
  );
  return file;
}
