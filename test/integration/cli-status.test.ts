import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { runSerin } from '../support/cli.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { appMeshWeights, canaryEvents, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();

describe('serin status', () => {
  test('shows a running canary: phase, weight, failed checks and its last event', async (t) => {
    const ns = await freshNamespace(t, kc, 'status');
    await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(
      seedLikeCanary(ns, 'account', { hpa: false, analysis: { interval: '1m', stepWeight: 20, maxWeight: 80 } }),
    );
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
    await waitForPhase(ns, 'account', 'Progressing');

    const { code, stdout, stderr } = await runSerin(['status', '--kubeconfig', process.env.KUBECONFIG ?? '', '-n', ns]);
    t.diagnostic(stdout);
    assert.equal(code, 0, stderr);
    const [header, row] = stdout.trim().split('\n');
    assert.match(header ?? '', /NAMESPACE\s+NAME\s+PHASE\s+WEIGHT\s+FAILED\s+PROGRESS\s+LAST EVENT/);
    assert.match(
      row ?? '',
      new RegExp(
        `^${ns}\\s+account\\s+Progressing\\s+0%\\s+0/3\\s+░+ 0/80%\\s+New revision detected! Scaling up account\\.${ns}`,
      ),
    );
  });

  test('a canary that does not exist is a clear error', async (t) => {
    const ns = await freshNamespace(t, kc, 'status-none');
    const { code, stderr } = await runSerin([
      'status',
      'ghost',
      '--kubeconfig',
      process.env.KUBECONFIG ?? '',
      '-n',
      ns,
    ]);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`serin: canary ghost not found in namespace ${ns}`));
  });

  test('serin pause holds the weight across ticks; serin resume lets the release finish', async (t) => {
    const ns = await freshNamespace(t, kc, 'pause');
    await apply(appConfigMap(ns, 'account', { k: 'v' }), appDeployment(ns, 'account', { replicas: 1 }));
    await apply(
      seedLikeCanary(ns, 'account', { hpa: false, analysis: { interval: '1s', stepWeight: 5, maxWeight: 100 } }),
    );
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
    await eventually(
      'weight 20',
      async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= 20 || undefined,
    );

    const kubeconfig = process.env.KUBECONFIG ?? '';
    const paused = await runSerin(['pause', 'account', '--kubeconfig', kubeconfig, '-n', ns]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, new RegExp(`canary ${ns}/account paused`));
    await eventually('the pause is seen', async () =>
      (await canaryEvents(ns, 'account')).some((e) => /paused/.test(e)) ? true : undefined,
    );
    // One reconcile at a time per canary: once a paused tick has run, no advancing tick is in flight.
    const before = (await readCanary(ns, 'account')).status;
    const held = before?.canaryWeight;
    await new Promise((r) => setTimeout(r, 3500)); // three intervals
    const after = await readCanary(ns, 'account');
    assert.equal(after.status?.canaryWeight, held, 'the weight held while paused');
    assert.equal(after.status?.phase, before?.phase, 'the phase held while paused');
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100 - (held ?? 0), canary: held ?? 0 });

    const resumed = await runSerin(['resume', 'account', '--kubeconfig', kubeconfig, '-n', ns]);
    assert.equal(resumed.code, 0, resumed.stderr);
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
  });

  test('pausing a canary that does not exist says so', async (t) => {
    const ns = await freshNamespace(t, kc, 'pause-none');
    const res = await runSerin(['pause', 'ghost', '--kubeconfig', process.env.KUBECONFIG ?? '', '-n', ns]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`canary ghost not found in namespace ${ns}`));
  });
});
