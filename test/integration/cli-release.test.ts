/**
 * `serin promote`, `abort` and `retry` against the real cluster and the real operator, run as a
 * person runs them: the CLI as its own process, the operator watching the namespace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { eventually, freshNamespace, serviceAccountKubeconfig, testKubeConfig } from '../support/cluster.js';
import { runSerin } from '../support/cli.js';
import { startGate } from '../support/gate.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { appMeshWeights, canaryEventList, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { startPrometheus, startRecordingServer, type TestPrometheus } from '../support/prometheus.js';
import { apply, setImage } from '../support/user.js';
import type { KubeObject } from '../../src/kube/objects.js';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const NEW_IMAGE = 'registry.example.com/shop/account:1.1.0';

let prometheus: TestPrometheus;
before(async () => {
  prometheus = await startPrometheus({ targets: [] });
});
after(() => prometheus.stop());

const cli = (ns: string, ...args: string[]) =>
  runSerin([...args, '--kubeconfig', process.env.KUBECONFIG ?? '', '-n', ns]);

/** The app, its canary and the operator; the canary is Initialized on the old image. */
async function initialized(t: Parameters<typeof freshNamespace>[0], prefix: string, analysis: Record<string, unknown>) {
  const ns = await freshNamespace(t, kc, prefix);
  await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
  await apply(seedLikeCanary(ns, 'account', { hpa: false, analysis }));
  await startTestOperator(t, ns);
  await waitForPhase(ns, 'account', 'Initialized');
  return ns;
}

async function weightAtLeast(ns: string, weight: number): Promise<void> {
  await eventually(
    `canary weight ${weight}`,
    async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= weight || undefined,
  );
}

async function targetReplicaSets(ns: string): Promise<string[]> {
  const list = await apps.listNamespacedReplicaSet({ namespace: ns });
  return list.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === 'account'))
    .map((rs) => rs.metadata?.name ?? '')
    .sort();
}

const primaryImage = async (ns: string) =>
  (await apps.readNamespacedDeployment({ name: 'account-primary', namespace: ns })).spec?.template.spec?.containers[0]
    ?.image;

describe('serin promote, abort and retry', () => {
  test('retry after relaxing the threshold re-runs the analysis and promotes, without a new ReplicaSet', async (t) => {
    const ns = await freshNamespace(t, kc, 'retry');
    // The seed's scenario 3: the canary answers 98.7% success; min 99 fails it, min 95 passes it.
    const template: KubeObject = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'success-rate', namespace: ns },
      spec: { provider: { type: 'prometheus', address: prometheus.url }, query: 'vector(98.7)' },
    };
    await apply(template);
    const metric = (min: number) => [
      { name: 'success-rate', templateRef: { name: 'success-rate' }, thresholdRange: { min }, interval: '1m' },
    ];
    await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
    const canary = (min: number) =>
      seedLikeCanary(ns, 'account', {
        hpa: false,
        analysis: { interval: '1s', threshold: 2, stepWeight: 50, maxWeight: 50, metrics: metric(min) },
      });
    await apply(canary(99));
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    await setImage(ns, 'account', NEW_IMAGE);
    await waitForPhase(ns, 'account', 'Failed', 60_000);
    const replicaSets = await targetReplicaSets(ns);

    await apply(canary(95));
    await new Promise((r) => setTimeout(r, 3000)); // three intervals: a spec edit alone starts nothing
    assert.equal((await readCanary(ns, 'account')).status?.phase, 'Failed');

    const retried = await cli(ns, 'retry', 'account');
    t.diagnostic(retried.stdout + retried.stderr);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(
      retried.stdout,
      new RegExp(
        `canary ${ns}/account: Retrying account\\.${ns} with the current Canary spec \\(serin.dev/command=retry\\)`,
      ),
    );
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
    assert.deepEqual(await targetReplicaSets(ns), replicaSets, 'no new ReplicaSet: the pods were not restarted');
    assert.equal(await primaryImage(ns), NEW_IMAGE);
    const events = await canaryEventList(ns, 'account');
    const count = (pattern: RegExp) => events.filter((e) => pattern.test(e.message)).reduce((n, e) => n + e.count, 0);
    assert.equal(count(/New revision detected/), 1, 'one revision…');
    assert.equal(count(/Starting canary analysis/), 2, '…analysed twice');
    const annotations = (await readCanary(ns, 'account')) as { metadata: { annotations?: Record<string, string> } };
    assert.equal(annotations.metadata.annotations?.['serin.dev/command'], undefined, 'the request was consumed');
  });

  test('abort rolls the release back at once: traffic to the primary, canary scaled to zero', async (t) => {
    // The release holds at weight 10 (a traffic gate that lets two steps through), so the abort meets
    // it midway however long the CLI takes to start on a busy machine.
    const gate = await startGate(t);
    gate.allow('account', 2);
    const ns = await initialized(t, 'abort', {
      interval: '1s',
      stepWeight: 5,
      maxWeight: 60,
      webhooks: [{ name: 'traffic-gate', type: 'confirm-traffic-increase', url: gate.url }],
    });
    await setImage(ns, 'account', NEW_IMAGE);
    await weightAtLeast(ns, 10);
    const aborted = await cli(ns, 'abort', 'account');
    t.diagnostic(aborted.stdout + aborted.stderr);
    assert.equal(aborted.code, 0, aborted.stderr);
    assert.match(aborted.stdout, new RegExp(`Rolling back account\\.${ns} aborted \\(serin.dev/command=abort\\)`));
    const status = (await readCanary(ns, 'account')).status;
    assert.equal(status?.phase, 'Failed');
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
    assert.equal((await apps.readNamespacedDeployment({ name: 'account', namespace: ns })).spec?.replicas, 0);
    assert.notEqual(await primaryImage(ns), NEW_IMAGE, 'the primary still runs the old version');
  });

  test('promote skips a promotion gate that keeps saying no', async (t) => {
    const gate = await startRecordingServer(() => ({ status: 403, body: 'not approved' }));
    t.after(() => gate.close());
    const ns = await initialized(t, 'promote', {
      interval: '1s',
      stepWeight: 25,
      maxWeight: 50,
      webhooks: [{ name: 'approval', type: 'confirm-promotion', url: gate.url }],
    });
    await setImage(ns, 'account', NEW_IMAGE);
    await waitForPhase(ns, 'account', 'WaitingPromotion', 60_000);
    const promoted = await cli(ns, 'promote', 'account');
    t.diagnostic(promoted.stdout + promoted.stderr);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /requested \(serin.dev\/command=promote\): skipping the remaining analysis/);
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
    assert.equal(await primaryImage(ns), NEW_IMAGE);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
  });

  test('with no operator running the request waits on the Canary, and an operator started later carries it out', async (t) => {
    const ns = await freshNamespace(t, kc, 'later');
    await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(
      seedLikeCanary(ns, 'account', { hpa: false, analysis: { interval: '1s', stepWeight: 5, maxWeight: 60 } }),
    );
    const first = await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    await setImage(ns, 'account', NEW_IMAGE);
    await weightAtLeast(ns, 10);
    await first.stop();

    const res = await cli(ns, 'abort', 'account', '--timeout', '2s');
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      new RegExp(
        `the request is recorded on canary ${ns}/account \\(serin.dev/command=abort\\) but no Serin operator acted on it within 2s; is the operator running and watching namespace ${ns}\\?`,
      ),
    );
    assert.equal((await readCanary(ns, 'account')).status?.phase, 'Progressing');

    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Failed', 30_000);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });
  });

  test('a command that cannot apply is refused before anything is written', async (t) => {
    const ns = await initialized(t, 'refuse', { interval: '1s' });
    const res = await cli(ns, 'promote', 'account');
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      new RegExp(
        `serin: cannot promote canary ${ns}/account: no release is under way \\(phase Initialized\\); there is nothing to promote`,
      ),
    );
    const canary = (await readCanary(ns, 'account')) as { metadata: { annotations?: Record<string, string> } };
    assert.equal(canary.metadata.annotations?.['serin.dev/command'], undefined);
    const ghost = await cli(ns, 'abort', 'ghost');
    assert.equal(ghost.code, 1);
    assert.match(ghost.stderr, new RegExp(`serin: canary ghost not found in namespace ${ns}`));
  });

  test('a user without RBAC rights on canaries is told which right is missing', async (t) => {
    const ns = await freshNamespace(t, kc, 'rbac');
    const file = await serviceAccountKubeconfig(kc, ns, 'viewer');
    const res = await runSerin(['retry', 'account', '--kubeconfig', file]);
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      new RegExp(`serin: not allowed to get canaries in namespace ${ns} \\(RBAC: needs get on canaries.flagger.app\\)`),
    );
  });
});
