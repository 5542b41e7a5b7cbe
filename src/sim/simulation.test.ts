import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { InputError, loadManifests, loadScenario } from './inputs.js';
import { simulate, type Timeline } from './simulation.js';

const SEED = resolve(import.meta.dirname, '../../examples/seed');
const seedObjects = () =>
  loadManifests(['account.yaml', 'canary.yaml', 'alert-provider.yaml'].map((f) => join(SEED, f)));

async function seedScenario(file: string): Promise<Timeline> {
  return simulate({
    objects: await seedObjects(),
    scenario: await loadScenario(join(SEED, 'scenarios', file)),
    namespace: 'shop',
  });
}

function messages(t: Timeline): string[] {
  return t.entries.map((e) => e.message);
}

function firstIndex(list: readonly string[], pattern: RegExp): number {
  return list.findIndex((m) => pattern.test(m));
}

describe("the seed's scenarios on the simulator", () => {
  test('1: a broken ConfigMap is a new revision whose pods never get ready; rolled back at the progress deadline', async () => {
    const t = await seedScenario('1-broken-config.yaml');
    const m = messages(t);
    assert.equal(t.verdict.result, 'rolled-back');
    assert.ok(firstIndex(m, /New revision detected! Scaling up account\.shop/) > 0);
    assert.ok(
      m.some((x) => /canary deployment account\.shop not ready: waiting for rollout to finish: 0 of 2/.test(x)),
    );
    assert.ok(/Canary failed! Scaling down account\.shop/.test(m.at(-1) ?? ''));
    assert.equal(firstIndex(m, /Advance/), -1, 'no traffic ever went to the broken canary');
    const failedAt = t.entries.at(-1)!.at;
    assert.ok(failedAt >= 60_000 + 300_000, 'not before the 300 s progress deadline');
  });

  test('2: a success rate under the threshold halts each check and rolls back after 3 failed checks', async () => {
    const t = await seedScenario('2-low-success-rate.yaml');
    const m = messages(t);
    assert.equal(t.verdict.result, 'rolled-back');
    assert.equal(m.filter((x) => x === 'Halt account.shop advancement success rate 98.70% < 99%').length, 3);
    assert.ok(firstIndex(m, /Rolling back account\.shop failed checks threshold reached 3/) > firstIndex(m, /Halt/));
    assert.equal(t.weights.at(-1)?.canaryWeight, 0, 'all traffic back on the primary');
  });

  test('3: relaxing the threshold alone starts nothing; a rollout restart does, and the canary is promoted', async () => {
    const t = await seedScenario('3-relaxed-threshold.yaml');
    assert.equal(t.verdict.result, 'promoted');
    const edit = t.entries.findIndex((e) => e.type === 'Step' && /edited/.test(e.message));
    const restart = t.entries.findIndex((e) => e.type === 'Step' && /rollout restart/.test(e.message));
    assert.ok(edit > 0 && restart > edit);
    assert.deepEqual(t.entries.slice(edit + 1, restart), [], 'nothing happened between the edit and the restart');
    const after = messages(t).slice(restart);
    for (const w of [20, 40, 60, 80]) assert.ok(after.includes(`Advance account.shop canary weight ${w}`));
    assert.ok(/Promotion completed! Scaling down account\.shop/.test(after.at(-1) ?? ''));
  });

  test('3 with serin retry: the same revision is analysed again and promoted, with no new revision and no restart', async () => {
    const t = await seedScenario('4-retry.yaml');
    const m = messages(t);
    assert.equal(t.verdict.result, 'promoted');
    assert.equal(m.filter((x) => /New revision detected/.test(x)).length, 1, 'one revision only');
    const retry = t.entries.findIndex((e) => e.type === 'Step' && /^serin retry account/.test(e.message));
    assert.equal(
      t.entries[retry + 1]?.message,
      'Retrying account.shop with the current Canary spec (serin.dev/command=retry): scaling up',
    );
    assert.equal(t.entries[retry + 1]?.at, t.entries[retry]?.at, 'at once, not at the next analysis tick');
    assert.equal(t.entries[retry]?.at, 8 * 60_000 + 10_000);
    assert.equal(m.filter((x) => /Starting canary analysis/.test(x)).length, 2, 'analysed twice');
    assert.ok(/Promotion completed! Scaling down account\.shop/.test(m.at(-1) ?? ''));
  });

  test('a Canary edited mid-release into an invalid spec is refused at once, and goes on when corrected', async () => {
    // The simulator validates a spec it has seen once only: an edit is a new spec, checked anew.
    const stepWeight = (n: number) => ({ name: 'account', patch: { spec: { analysis: { stepWeight: n } } } });
    const t = await simulate({
      objects: await seedObjects(),
      namespace: 'shop',
      scenario: {
        apiVersion: 'serin.dev/v1alpha1',
        kind: 'Scenario',
        metadata: { name: 'invalid-edit' },
        duration: '30m',
        versions: [{ name: 'healthy', metrics: { 'request-success-rate': 99.9, 'request-duration': 150 } }],
        steps: [
          { at: '1m', rolloutRestart: 'account' },
          { at: '2m', patchCanary: stepWeight(150) },
          { at: '4m', patchCanary: stepWeight(20) },
        ],
      },
    });
    const between = (from: number, to: number) => t.entries.filter((e) => e.at > from && e.at < to);
    const invalid = 'canary shop/account is invalid: spec.analysis.stepWeight: must be <= 100, got 150';
    const whileInvalid = between(120_000, 240_000).map((e) => e.message);
    assert.ok(whileInvalid.length > 0 && whileInvalid.every((m) => m.startsWith(invalid)), whileInvalid.join('\n'));
    assert.ok(
      t.entries.some((e) => e.at === 120_000 && e.message.startsWith(invalid)),
      'refused at the edit',
    );
    const corrected = t.entries.filter((e) => e.at >= 240_000).map((e) => e.message);
    assert.ok(corrected.includes('Advance account.shop canary weight 40'), 'the release goes on from 20%');
    assert.equal(t.verdict.result, 'promoted');
  });

  test('the same inputs give the same timeline (deterministic)', async () => {
    assert.deepEqual(await seedScenario('2-low-success-rate.yaml'), await seedScenario('2-low-success-rate.yaml'));
  });
});

describe('bad input files are rejected with the file, the field and what was expected', () => {
  async function write(name: string, text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'serin-sim-'));
    await writeFile(join(dir, name), text);
    return join(dir, name);
  }

  test('a scenario with a misspelled field and a bad duration', async () => {
    const file = await write(
      's.yaml',
      'apiVersion: serin.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nversions:\n  - name: v\n    ready: soon\nstepz: []\n',
    );
    await assert.rejects(loadScenario(file), (err: Error) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, new RegExp(`${file}: versions\\[0\\]\\.ready`));
      assert.match(err.message, /stepz/);
      return true;
    });
  });

  test('a step with two actions', async () => {
    const file = await write(
      's.yaml',
      'apiVersion: serin.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nversions: [{name: v}]\nsteps:\n  - at: 1m\n    rolloutRestart: a\n    setImage: {deployment: a, image: b}\n',
    );
    await assert.rejects(loadScenario(file), /steps\[0\]: set exactly one of .* \(got setImage, rolloutRestart\)/);
  });

  test('a Canary with stepWeight 150 names the file, the Canary and the field', async () => {
    const text = (await import('node:fs/promises')).readFile(join(SEED, 'canary.yaml'), 'utf8');
    const file = await write('canary.yaml', (await text).replace('stepWeight: 20', 'stepWeight: 150'));
    await assert.rejects(loadManifests([file]), (err: Error) => {
      assert.match(err.message, new RegExp(`${file}: Canary account: spec\\.analysis\\.stepWeight`));
      assert.match(err.message, /100/);
      return true;
    });
  });

  test('a Helm-rendered Canary with webhooks: null is read as the API server stores it (the nulls dropped)', async () => {
    const text = await (await import('node:fs/promises')).readFile(join(SEED, 'canary.yaml'), 'utf8');
    const start = text.indexOf('    alerts:');
    const file = await write('canary.yaml', `${text.slice(0, start)}    alerts: null\n    webhooks: null\n`);
    const [canary] = (await loadManifests([file])) as unknown as { spec: { analysis: Record<string, unknown> } }[];
    assert.equal(canary?.spec.analysis.webhooks, undefined);
    assert.equal(canary?.spec.analysis.alerts, undefined);
  });

  test('a non-string apiVersion and an unserved flagger.app version are refused with the fix, not thrown', async () => {
    const numeric = await write('n.yaml', 'apiVersion: 5\nkind: Canary\nmetadata: {name: x}\n');
    await assert.rejects(
      loadManifests([numeric]),
      /expected a Kubernetes object with apiVersion, kind and metadata\.name/,
    );
    const old = await write(
      't.yaml',
      'apiVersion: flagger.app/v1alpha1\nkind: MetricTemplate\nmetadata: {name: t}\nspec: {}\n',
    );
    await assert.rejects(
      loadManifests([old, join(SEED, 'canary.yaml')]),
      /MetricTemplate t: apiVersion flagger\.app\/v1alpha1 is not served; use flagger\.app\/v1beta1/,
    );
  });

  test('a scenario step naming an object the files do not hold is refused before the start, with the fix', async () => {
    await assert.rejects(
      simulate({
        objects: await loadManifests([join(SEED, 'canary.yaml')]),
        scenario: await loadScenario(join(SEED, 'scenarios', '3-relaxed-threshold.yaml')),
        namespace: 'shop',
      }),
      (err: Error) => {
        assert.ok(err instanceof InputError);
        assert.match(
          err.message,
          /^scenario steps\[0\] \(at 1m\): ConfigMap shop\/account-config is not in the -f files; pass the file that holds it, or correct the step/,
        );
        return true;
      },
    );
  });

  test('files without a Canary are refused with what to pass', async () => {
    await assert.rejects(loadManifests([join(SEED, 'account.yaml')]), /no Canary found; pass the Canary with -f/);
  });
});
