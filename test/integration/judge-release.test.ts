/**
 * The statistical judge (`spec.analysis.judge`, issue #15) deciding real releases: the seed's world
 * on the real cluster (kwok pods, the account app whose ConfigMap sets its error rate, a real
 * Prometheus scraping the mesh traffic simulator every 500 ms, the operator with 3 s intervals).
 * The judge reads raw Envoy counters per arm from that Prometheus; nothing here is mocked.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { CanaryJudgeStatus } from '../../src/api/index.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap } from '../support/fixtures.js';
import { appMeshWeights, canaryEvents, readCanary, waitForPhase } from '../support/operator.js';
import { appProperties, startSeedWorld, type SeedWorldOptions } from '../support/seed-world.js';

const kc = testKubeConfig();
const INTERVAL_MS = 3000;

interface JudgedCanary {
  status?: { phase?: string; canaryWeight?: number; failedChecks?: number; judge?: CanaryJudgeStatus };
}

/** The Canary as `kubectl get -o yaml` shows it, `status.judge` included. */
async function judged(ns: string): Promise<JudgedCanary> {
  return new KubeRest(kc).json<JudgedCanary>(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/account`);
}

/** Prints the `kubectl describe canary` view and `status.judge` (without its state) into the test output. */
async function timeline(t: TestContext, ns: string): Promise<string[]> {
  const events = await canaryEvents(ns, 'account');
  const judge: Partial<CanaryJudgeStatus> = { ...(await judged(ns)).status?.judge };
  delete judge.state;
  t.diagnostic(`kubectl describe canary account -n ${ns}\nEvents:\n${events.join('\n')}`);
  t.diagnostic(`status.judge: ${JSON.stringify(judge)}`);
  return events;
}

/** Starts the seed's world and waits for the first (primary-only) revision to be initialised. */
async function initialised(t: TestContext, prefix: string, options: SeedWorldOptions) {
  const ns = await freshNamespace(t, kc, prefix);
  const world = await startSeedWorld(t, ns, options);
  await waitForPhase(ns, 'account', 'Initialized');
  return { ns, world };
}

/** Only the latency guardrail: no fixed success-rate bound beside the judge. */
const latencyGuardrail = [{ name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' }];

describe('the statistical judge decides releases end to end', { concurrency: true }, () => {
  test("the seed's scenario 2 (canary 1.3% errors, primary 0.1%): the judge's FAIL rolls back within a few windows, with the counts on the status", async (t) => {
    const { ns, world } = await initialised(t, 'judge-fail', {
      // The primary keeps this config: its copy, account-config-primary, is made at initialisation.
      config: appProperties({ errorRate: 0.001 }),
      analysis: {
        metrics: latencyGuardrail,
        judge: { compare: [{ name: 'error-ratio' }], maxStepDuration: '2m' },
      },
    });
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ errorRate: 0.013 }) }));
    const failed = await waitForPhase(ns, 'account', 'Failed', 120_000);
    const events = await timeline(t, ns);

    assert.ok(
      events.some((e) => /^Normal\s+Synced\s+Judging account\.\S+ against its primary: error-ratio/.test(e)),
      events.join('\n'),
    );
    assert.ok(
      events.some((e) =>
        /^Warning\s+Synced\s+Rolling back account\.\S+: the judge found the canary worse than the primary: error-ratio: error ratio canary\/primary [\d.]+ is above 1\.10/.test(
          e,
        ),
      ),
      events.join('\n'),
    );
    assert.ok(events.some((e) => /Canary failed! Scaling down account\./.test(e)));
    assert.ok(!events.some((e) => /Halt account\.\S+ advancement/.test(e)), 'no failed check was needed');
    assert.equal(failed.status?.canaryWeight, 0);
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 });

    const judge = (await judged(ns)).status?.judge;
    assert.equal(judge?.verdict, 'FAIL');
    const errors = judge?.signals.find((s) => s.name === 'error-ratio');
    assert.ok(errors, 'the error-ratio evidence is on the status');
    assert.equal(errors.verdict, 'FAIL');
    assert.ok(errors.canary.events > 0 && errors.canary.requests > 0, JSON.stringify(errors));
    assert.ok(errors.primary.requests > errors.canary.requests, 'the primary served the larger share');
    assert.ok(errors.lower > errors.failAbove, `lower bound ${errors.lower} > failAbove ${errors.failAbove}`);
    // About 13 times the primary's rate: the estimate is near it (Prometheus counts exact integers).
    assert.ok(errors.ratio !== undefined && errors.ratio > 4, `ratio ${errors.ratio}`);

    const decidedMs = Date.parse(judge.time) - Date.parse(judge.startedAt ?? '');
    t.diagnostic(`judged from start to FAIL in ${decidedMs / 1000} s over ${errors.windows} window(s)`);
    assert.ok(errors.windows <= 3, `decided in ${errors.windows} windows`);
    assert.ok(decidedMs <= 5 * INTERVAL_MS, `decided ${decidedMs} ms after the judge started`);
  });

  describe('bursty errors, the canary identical to the primary: the fixed bound rolls back, the judge promotes', () => {
    // Both arms run the same config: 0.1% errors, and on 4.8% of the simulator's 250 ms ticks a
    // shared dependency hiccups and every pod fails 12.5% of that tick's requests. The mean is
    // 0.001 + 0.048 × 0.125 ≈ 0.7% (99.3% success), but one burst is about 1% of a 3 s window's
    // requests: the windows with a burst (about 44%) fall below 99%, the others stay near 99.9%.
    // The canary is no worse than the primary — they share the bursts, so the judge, comparing
    // them window by window, sees the same rate on both sides.
    const bursty = appProperties({ errorRate: 0.001, extra: 'errorBurst=0.048x0.125 shared' });
    // Small steps (4% up to 80%) make the release long enough for bursts to matter: the fixed
    // bound must survive 20 checks. Each check looks at one interval (3 s; metric interval equal to
    // the analysis interval, as Flagger's defaults of 1m and 1m). In 400 simulated releases at 16
    // checks (test/sim's burst model, the judge core, Flagger's threshold of 3 failed checks) the
    // fixed bound rolled back 99% and the judge never failed; the judge needed 21 windows at the
    // median, 32 at most. With each check failing ~44% of the time, fewer than 3 failures in 20
    // checks has a chance under 0.1% (binomial), so this test does not promote by luck.
    const steps = { stepWeight: 4, maxWeight: 80 };
    const fixedCheck = [
      { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '3s' },
      { name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' },
    ];

    test('with the fixed bound (success rate ≥ 99%, threshold 3) the release is rolled back', async (t) => {
      const { ns, world } = await initialised(t, 'burst-fixed', {
        config: bursty,
        analysis: { ...steps, metrics: fixedCheck },
      });
      await world.apply(appConfigMap(ns, 'account', { 'application.properties': `${bursty}\nrelease=2` }));
      const failed = await waitForPhase(ns, 'account', 'Failed', 180_000);
      const events = await timeline(t, ns);
      assert.ok(
        events.some((e) => /^Warning\s+Synced\s+Halt account\.\S+ advancement success rate 9\d\.\d+% < 99%/.test(e)),
        events.join('\n'),
      );
      assert.ok(events.some((e) => /Rolling back account\.\S+ failed checks threshold reached 3/.test(e)));
      assert.equal(failed.status?.canaryWeight, 0);
    });

    test('with the judge (and no fixed success-rate bound) the same release is promoted', async (t) => {
      const { ns, world } = await initialised(t, 'burst-judge', {
        config: bursty,
        analysis: {
          ...steps,
          metrics: latencyGuardrail,
          // The split check on (the default): an honest canary must not be held by it. This test
          // found it was: the canary's first window was under-counted (its Envoy series are born by
          // its first request) and mixed two weights; now canary pods first seen count from zero and
          // the split check starts with a step's second window.
          judge: { compare: [{ name: 'error-ratio' }], maxStepDuration: '2m' },
        },
      });
      const started = Date.now();
      await world.apply(appConfigMap(ns, 'account', { 'application.properties': `${bursty}\nrelease=2` }));
      await waitForPhase(ns, 'account', 'Succeeded', 200_000);
      t.diagnostic(`promoted ${(Date.now() - started) / 1000} s after the new revision was applied`);
      const events = await timeline(t, ns);
      assert.ok(
        events.some((e) => /^Normal\s+Synced\s+Judge passed account\./.test(e)),
        events.join('\n'),
      );
      assert.ok(events.some((e) => /Promotion completed! Scaling down account\./.test(e)));
      assert.ok(!events.some((e) => /the judge found the canary worse/.test(e)));
      const judge = (await judged(ns)).status?.judge;
      assert.equal(judge?.verdict, 'PASS');
      const errors = judge?.signals.find((s) => s.name === 'error-ratio');
      assert.ok(errors && errors.canary.events > 0, 'the canary did have errors (bursts included)');
      assert.ok(errors.upper !== undefined && errors.upper < errors.passBelow, JSON.stringify(errors));
      const snapshot = world.simulator.snapshot().services.account;
      t.diagnostic(`simulated: ${JSON.stringify({ primary: snapshot?.primary, canary: snapshot?.canary })}`);
    });
  });

  test('a canary that receives half its weight is held at its first step by the split check, never rolled back for it', async (t) => {
    const { ns, world } = await initialised(t, 'judge-split', {
      // Half the requests routed to the canary reach the primary instead, as outlier ejection or a
      // sticky session would send them.
      traffic: { canaryShareFactor: 0.5 },
      analysis: {
        metrics: latencyGuardrail,
        judge: { compare: [{ name: 'error-ratio' }], onInconclusive: 'hold', maxStepDuration: '2m' },
      },
    });
    await world.apply(appConfigMap(ns, 'account', { 'application.properties': appProperties({ extra: 'release=2' }) }));
    await eventually(
      'the Warning about the split',
      async () =>
        (await canaryEvents(ns, 'account')).some((e) =>
          /^Warning\s+Synced\s+Holding account\.\S+ at weight 20: the canary does not receive its share of requests: /.test(
            e,
          ),
        ) || undefined,
      90_000,
    );
    // Several more windows: still held at the first step.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    const events = await timeline(t, ns);
    const canary = await judged(ns);
    assert.equal(canary.status?.phase, 'Progressing', 'not rolled back');
    assert.equal(canary.status?.canaryWeight, 20, 'held at the first step');
    assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 80, canary: 20 });
    assert.ok(!events.some((e) => /Advance account\.\S+ canary weight 40/.test(e)), events.join('\n'));
    const split = canary.status?.judge?.split;
    assert.equal(canary.status?.judge?.verdict, 'HOLD');
    assert.equal(split?.verdict, 'HOLD');
    assert.equal(split.weight, 20);
    assert.ok(
      split.observedShare !== undefined && split.observedShare < split.band.low,
      `share ${split.observedShare} below the band ${JSON.stringify(split.band)}`,
    );
    assert.ok(Math.abs((split.observedShare ?? 0) - 0.1) < 0.02, `about half of 20%: ${split.observedShare}`);
    assert.equal((await readCanary(ns, 'account')).status?.failedChecks, 0, 'a HOLD is not a failed check');
  });
});
