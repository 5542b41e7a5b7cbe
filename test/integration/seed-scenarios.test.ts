import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap } from '../support/fixtures.js';
import { appMeshWeights, canaryEvents, readCanary, waitForPhase } from '../support/operator.js';
import { assertSimulatorAgrees, configStep, simScenario } from '../support/cross-check.js';
import { appProperties, seedWorldCanary, seedWorldObjects, startSeedWorld } from '../support/seed-world.js';

const kc = testKubeConfig();

const strictMetrics = {
  metrics: [
    { name: 'request-success-rate', thresholdRange: { min: 100 }, interval: '10s' },
    { name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' },
  ],
};
const relaxedMetrics = {
  metrics: [
    { name: 'request-success-rate', thresholdRange: { min: 95 }, interval: '10s' },
    { name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' },
  ],
};
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

/** Prints the `kubectl describe canary` view into the test output. */
async function timeline(t: { diagnostic: (m: string) => void }, ns: string): Promise<string[]> {
  const events = await canaryEvents(ns, 'account');
  t.diagnostic(`kubectl describe canary account -n ${ns}\nEvents:\n${events.join('\n')}`);
  return events;
}

async function primaryConfig(ns: string): Promise<string | undefined> {
  return (await core.readNamespacedConfigMap({ name: 'account-config-primary', namespace: ns })).data?.[
    'application.properties'
  ];
}

describe("the seed's three scenarios, end to end: real cluster, real Prometheus, simulated mesh traffic", () => {
  test('1: a broken ConfigMap commit → new revision → pods never ready → progress deadline → rollback; primary untouched', async (t) => {
    const ns = await freshNamespace(t, kc, 'seed1');
    const options = { progressDeadlineSeconds: 5 };
    const world = await startSeedWorld(t, ns, options);
    await waitForPhase(ns, 'account', 'Initialized');
    const good = await primaryConfig(ns);

    const broken = appProperties({ ready: false, extra: 'account.datasource.port=3307' });
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': broken }));
    await waitForPhase(ns, 'account', 'Failed', 90_000);
    const events = await timeline(t, ns);
    assert.ok(events.some((e) => /^Normal\s+Synced\s+New revision detected! Scaling up account\./.test(e)));
    assert.ok(events.some((e) => /canary deployment account\.\S+ not ready/.test(e)));
    assert.ok(events.some((e) => /^Warning\s+Synced\s+Canary failed! Scaling down account\./.test(e)));
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    assert.equal(await primaryConfig(ns), good, 'account-config-primary untouched');
    const primary = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
    assert.equal(primary.status?.readyReplicas, 2, 'the primary kept serving');
    await assertSimulatorAgrees(
      t,
      ns,
      seedWorldObjects(ns, options),
      simScenario('broken-config', [configStep('10s', broken)]),
    );
  });

  test('2: ~0.5% errors against min 100 → "Halt … success rate 99.x% < 100%" each check → rollback after the threshold', async (t) => {
    const ns = await freshNamespace(t, kc, 'seed2');
    const options = { analysis: strictMetrics };
    const world = await startSeedWorld(t, ns, options);
    await waitForPhase(ns, 'account', 'Initialized');
    const flaky = appProperties({ errorRate: 0.005 });
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': flaky }));
    const failed = await waitForPhase(ns, 'account', 'Failed', 120_000);
    const events = await timeline(t, ns);
    const halts = events.filter((e) =>
      /^Warning\s+Synced\s+Halt account\.\S+ advancement success rate 99\.\d\d% < 100%/.test(e),
    );
    assert.ok(halts.length >= 1, `a halt with the measured success rate:\n${events.join('\n')}`);
    assert.ok(events.some((e) => /Rolling back account\.\S+ failed checks threshold reached 3/.test(e)));
    assert.equal(failed.status?.canaryWeight, 0);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    await assertSimulatorAgrees(
      t,
      ns,
      seedWorldObjects(ns, options),
      simScenario('low-success-rate', [configStep('10s', flaky)]),
    );
  });

  test('3: threshold relaxed in the Canary alone → nothing; rollout restart → analysis passes → promotion with the new template and config', async (t) => {
    const ns = await freshNamespace(t, kc, 'seed3');
    const options = { analysis: strictMetrics };
    const world = await startSeedWorld(t, ns, options);
    await waitForPhase(ns, 'account', 'Initialized');
    const flaky = appProperties({ errorRate: 0.005 });
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': flaky }));
    await waitForPhase(ns, 'account', 'Failed', 120_000);

    // The team relaxes the threshold to 95 in the Canary: no new revision, nothing starts.
    await world.apply(seedWorldCanary(ns, { analysis: relaxedMetrics }));
    await new Promise((r) => setTimeout(r, 7000));
    assert.equal(
      (await readCanary(ns, 'account')).status?.phase,
      'Failed',
      'a threshold change alone is not a release',
    );

    await apps.patchNamespacedDeployment({
      name: 'account',
      namespace: ns,
      body: [
        {
          op: 'add',
          path: '/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt',
          value: new Date().toISOString(),
        },
      ],
    });
    await waitForPhase(ns, 'account', 'Succeeded', 120_000);
    const events = await timeline(t, ns);
    assert.ok(events.some((e) => /Promotion completed! Scaling down account\./.test(e)));
    assert.equal(await primaryConfig(ns), flaky, 'the primary runs the new ConfigMap data');
    const primary = await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns });
    assert.ok(
      primary.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
      'and the new template',
    );
    const last = (await readCanary(ns, 'account')).status?.lastAnalysis;
    t.diagnostic(`status.lastAnalysis: ${JSON.stringify(last)}`);
    const rate = last?.checks.find((c) => c.name === 'request-success-rate');
    assert.ok(
      rate?.passed && rate.value !== undefined && rate.value >= 95 && rate.value < 100,
      'the measured rate is on the status',
    );
    await assertSimulatorAgrees(
      t,
      ns,
      seedWorldObjects(ns, options),
      simScenario('relaxed-threshold', [
        configStep('10s', flaky),
        { at: '2m', patchCanary: { name: 'account', patch: { spec: { analysis: relaxedMetrics } } } },
        { at: '3m', rolloutRestart: 'account' },
      ]),
    );
  });
});

describe('judgement failures end to end', () => {
  test('a latency breach halts with the measured duration and rolls back', async (t) => {
    const ns = await freshNamespace(t, kc, 'latency');
    const world = await startSeedWorld(t, ns, {});
    await waitForPhase(ns, 'account', 'Initialized');
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ latencyMs: 620 }) }));
    await waitForPhase(ns, 'account', 'Failed', 120_000);
    const events = await timeline(t, ns);
    assert.ok(
      events.some((e) => /Halt account\.\S+ advancement request duration \d+ms > 500ms/.test(e)),
      events.join('\n'),
    );
  });

  test('Prometheus stopped mid-analysis: every check halts with the reason, the canary fails after the threshold and is never promoted', async (t) => {
    const ns = await freshNamespace(t, kc, 'promdown');
    const world = await startSeedWorld(t, ns, {});
    await waitForPhase(ns, 'account', 'Initialized');
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ extra: 'release=2' }) }));
    await eventually(
      'first weight step',
      async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= 20 || undefined,
      60_000,
    );
    await world.prometheus.stop();
    const failed = await waitForPhase(ns, 'account', 'Failed', 120_000);
    const events = await timeline(t, ns);
    assert.ok(
      events.some((e) => /^Warning/.test(e) && /prometheus|metrics|127\.0\.0\.1|refused|unreachable/i.test(e)),
      events.join('\n'),
    );
    assert.ok(!events.some((e) => /Promotion completed/.test(e)));
    assert.equal(failed.status?.phase, 'Failed');
  });

  test('a MetricTemplate with a typo in a variable: a Warning naming the template, never a pass', async (t) => {
    const ns = await freshNamespace(t, kc, 'typo');
    const world = await startSeedWorld(t, ns, {
      analysis: {
        threshold: 2,
        metrics: [
          { name: 'error-count', templateRef: { name: 'errors' }, thresholdRange: { max: 10 }, interval: '10s' },
        ],
      },
    });
    await world.apply({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'errors', namespace: ns },
      spec: {
        provider: { type: 'prometheus', address: world.prometheus.url },
        query:
          'sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="{{ namspace }}",envoy_response_code=~"5.*"}[{{ interval }}]))',
      },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ extra: 'release=2' }) }));
    await waitForPhase(ns, 'account', 'Failed', 120_000);
    const events = await timeline(t, ns);
    assert.ok(
      events.some((e) => /^Warning/.test(e) && new RegExp(`metrictemplate ${ns}/errors`).test(e) && /namspace/.test(e)),
      events.join('\n'),
    );
    assert.ok(!events.some((e) => /Promotion completed/.test(e)));
  });
});
