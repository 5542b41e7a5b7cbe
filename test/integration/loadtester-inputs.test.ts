/**
 * Bad input end to end: what the load tester refuses reaches the Canary's events word for word, and
 * a webhook the operator cannot reach fails the release with a clear event instead of wedging it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap } from '../support/fixtures.js';
import { startLoadTesterWorld, type LoadTesterWorldOptions } from '../support/loadtester-world.js';
import { appMeshWeights, canaryEvents, waitForPhase } from '../support/operator.js';
import { appProperties } from '../support/seed-world.js';

const kc = testKubeConfig();

/**
 * A release whose one pre-rollout hook (threshold 1) is `hook`: returns the events once the canary
 * has failed, and the world.
 */
async function releaseWithHook(
  t: TestContext,
  prefix: string,
  hook: (ns: string) => Record<string, unknown>,
  options: LoadTesterWorldOptions = {},
) {
  const ns = await freshNamespace(t, kc, prefix);
  const world = await startLoadTesterWorld(t, ns, {
    ...options,
    analysis: { threshold: 1, webhooks: [{ name: 'smoke-test', type: 'pre-rollout', timeout: '5s', ...hook(ns) }] },
  });
  await waitForPhase(ns, 'account', 'Initialized');
  const properties = appProperties({ extra: 'release=2' });
  await world.apply(appConfigMap(ns, 'account', { 'application.properties': properties }));
  await waitForPhase(ns, 'account', 'Failed', 90_000);
  const events = await canaryEvents(ns, 'account');
  t.diagnostic(`kubectl describe canary account -n ${ns}\nEvents:\n${events.join('\n')}`);
  assert.deepEqual(await appMeshWeights(ns, 'account'), { primary: 100, canary: 0 }, 'rolled back');
  return { ns, world, events };
}

/** The Warning the engine records when the pre-rollout hook fails with `reason`. */
const halt = (ns: string, reason: string) =>
  `Halt account.${ns} advancement pre-rollout check smoke-test failed ${reason}`;

describe('bad input to the load tester, seen from the Canary', () => {
  test('a webhook URL that does not resolve: a Warning naming the hook and ENOTFOUND, then a rollback, never a stuck canary', async (t) => {
    const { ns, events } = await releaseWithHook(t, 'ltdns', (ns) => ({
      url: `http://flagger-loadtesterr.${ns}/`,
      metadata: { cmd: `hey -z 10s http://account-canary.${ns}:8180/` },
    }));
    assert.ok(events.some((e) => e.startsWith('Warning') && e.includes(halt(ns, 'request failed: ENOTFOUND'))));
    assert.ok(events.some((e) => e.includes(`Canary failed! Scaling down account.${ns}`)));
  });

  test("an unknown metadata.type: the load tester's 400 text is the Warning", async (t) => {
    const { ns, events } = await releaseWithHook(t, 'lttype', (ns) => ({
      url: `http://flagger-loadtester.${ns}/`,
      metadata: { type: 'helm2', cmd: 'upgrade account ./chart' },
    }));
    const text = 'unknown task type "helm2": set metadata.type to cmd (the default) or bash';
    assert.ok(events.some((e) => e.includes(halt(ns, text))));
  });

  const tokenFile = join(tmpdir(), `serin-lt-token-${process.pid}`);
  const withCommands: LoadTesterWorldOptions = {
    flags: { enableCommands: true, allowCommand: ['kubectl'], tokenFile },
  };

  test('a command with no token: 401 and its text in the Warning; nothing runs', async (t) => {
    await writeFile(tokenFile, 'the-token\n');
    const { ns, events, world } = await releaseWithHook(
      t,
      'lttoken',
      (ns) => ({ url: `http://flagger-loadtester.${ns}/`, metadata: { type: 'bash', cmd: 'kubectl version' } }),
      withCommands,
    );
    assert.ok(events.some((e) => e.includes(halt(ns, 'a token is required to run commands'))));
    assert.equal(
      world.loadtester.logs.filter((l) => l.msg === 'task started').length,
      0,
      'no task ran without the token',
    );
    const refused = world.loadtester.logs.filter((l) => l.msg === 'request refused' && l.status === 401);
    assert.ok(refused.length >= 1);
  });

  test('a program outside --allow-command: 403, its text in the Warning, and a log line naming the program', async (t) => {
    await writeFile(tokenFile, 'the-token\n');
    const { ns, events, world } = await releaseWithHook(
      t,
      'ltallow',
      (ns) => ({
        url: `http://flagger-loadtester.${ns}/`,
        metadata: { type: 'bash', cmd: 'rm -rf /tmp/serin-never', token: 'the-token' },
      }),
      withCommands,
    );
    const text = `metadata.cmd runs "rm", not in the load tester's --allow-command (kubectl)`;
    assert.ok(events.some((e) => e.includes(halt(ns, text))));
    const line = world.loadtester.logs.find((l) => l.msg === 'command refused: program not in --allow-command');
    assert.deepEqual(line?.programs, ['rm']);
    assert.equal(line?.canary, `account.${ns}`);
    assert.ok(!JSON.stringify(world.loadtester.logs).includes('the-token'), 'the token is never logged');
  });
});
