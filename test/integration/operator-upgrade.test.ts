/**
 * Upgrading Serin itself (Flagger #1673: a new Flagger version hashed pod templates differently and
 * every canary re-ran its analysis). Twenty canaries settle under one operator; then another build
 * — a copy of the code with another version number — starts with changed flags. No canary may see
 * a new revision and no Deployment may be written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { canaryEventList, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply } from '../support/user.js';
import { deploymentStates, occurrences } from '../support/workload-state.js';

const kc = testKubeConfig();
const REPO = resolve(import.meta.dirname, '../..');
const COUNT = 20;

/** A copy of this checkout whose package.json carries another version: a new build of Serin. */
async function newBuild(t: { after(fn: () => unknown): void }, version: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'serin-build-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(join(REPO, 'src'), join(dir, 'src'), { recursive: true });
  await cp(join(REPO, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
  await writeFile(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2));
  return dir;
}

test('a new Serin version with changed flags re-triggers no canary and writes no Deployment', async (t) => {
  const ns = await freshNamespace(t, kc, 'upgrade');
  const names = Array.from({ length: COUNT }, (_, i) => `app${i}`);
  for (const name of names) {
    await apply(
      appDeployment(ns, name, { replicas: 1 }),
      appConfigMap(ns, name, { 'application.properties': `name=${name}` }),
      seedLikeCanary(ns, name, { hpa: false }),
    );
  }
  const first = await startTestOperator(t, ns);
  for (const name of names) await waitForPhase(ns, name, 'Initialized', 120_000);
  await first.stop();
  const before = await deploymentStates(ns);

  const build = await newBuild(t, '99.0.0-upgrade');
  const log = join(tmpdir(), `serin-upgrade-${ns}.log`);
  const flags = [
    '--include-label-prefix',
    '*',
    '--selector-labels',
    'app.kubernetes.io/name,name,app',
    '--threadiness',
    '2',
    '--min-interval',
    '2s',
  ];
  const args = ['--kubeconfig', process.env.KUBECONFIG ?? '', '--namespace', ns, '--port', '0'];
  const common = [
    '--mesh-provider',
    'appmesh:v1beta2',
    '--metrics-server',
    'http://127.0.0.1:9',
    '--log-level',
    'debug',
  ];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/bin/serin.ts', 'operator', ...args, ...common, ...flags],
    { cwd: build, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = createWriteStream(log);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  t.after(() => child.kill('SIGKILL'));
  t.diagnostic(`new build in ${build} (log ${log}) with ${flags.join(' ')}`);
  // Every canary ticks (every 2 s, the new --min-interval) three times under the new build before anything is compared.
  await eventually(
    'three ticks of every canary under the new build',
    async () => {
      const text = await readFile(log, 'utf8').catch(() => '');
      const ticks = (name: string) => text.split(`"canary":"${ns}/${name}","trigger":"tick"`).length - 1;
      return names.every((n) => ticks(n) >= 3) ? true : undefined;
    },
    60_000,
  );
  assert.match(await readFile(log, 'utf8'), /99\.0\.0-upgrade/, 'the new build says its version');

  assert.deepEqual(await deploymentStates(ns), before, 'no Deployment written');
  for (const name of names) {
    const events = await canaryEventList(ns, name);
    assert.equal(occurrences(events, 'New revision detected'), 0, `${name}: no new revision`);
  }
});
