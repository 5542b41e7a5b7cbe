/**
 * The npm package as a user installs it: `npm pack` (prepack bundles dist/, tools/build.ts), the tarball
 * installed with --omit=dev into an empty folder, and every kind of command run through its `serin`
 * bin by plain `node` — the pinned Node 26 — with no tsx and no TypeScript anywhere.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { payload, startTarget } from '../../src/loadtester/loadtester.test-support.js';
import { eventually } from '../support/cluster.js';
import { operatorArgs } from '../support/operator.js';
import {
  NODE_VERSION,
  PACKAGE_VERSION,
  ROOT,
  releaseThrough,
  run,
  startLogged,
  whileRunning,
  pinnedNodeEnv,
} from '../support/packaged.js';

let env: NodeJS.ProcessEnv;
let work: string | undefined;
let installed: string;
let serin: string;

before(async () => {
  env = await pinnedNodeEnv();
  work = await mkdtemp(join(tmpdir(), 'serin-package-'));
  const tarball = (await run('bash', [join(ROOT, 'tools/image/pack.sh'), work], { env })).stdout.trim();
  installed = join(work, 'install');
  await mkdir(installed);
  // --prefix: into this folder, even when a folder above it holds a package.json.
  await run(
    'npm',
    ['install', '--prefix', installed, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball],
    {
      cwd: installed,
      env,
    },
  );
  serin = join(installed, 'node_modules/.bin/serin');
});
after(() => work && rm(work, { recursive: true, force: true }));

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());
}

describe('the npm package, installed with --omit=dev, on Node 26', () => {
  test('ships the compiled JavaScript and what the commands read, and no TypeScript, tests or dev tools', () => {
    const pkg = join(installed, 'node_modules/serin');
    const shipped = files(pkg);
    for (const needed of [
      'bin/serin.js',
      'dist/bin/serin.js',
      'dist/loadtester/load-thread.js',
      'dist/THIRD-PARTY-LICENSES.txt',
      'dist/dashboard/assets/app.js',
      'dist/dashboard/assets/app.css',
      'deploy/crds/all.yaml',
      'examples/seed/canary.yaml',
      'tools/controlplane/build.sh',
    ]) {
      assert.ok(shipped.includes(needed), `${needed} is in the package`);
    }
    assert.deepEqual(
      shipped.filter(
        (f) => /\.(c|m)?ts$/.test(f) || /\.test\./.test(f) || f.startsWith('src/') || f.startsWith('test/'),
      ),
      [],
      'no TypeScript sources and no tests',
    );
    const modules = join(installed, 'node_modules');
    for (const dev of ['tsx', 'typescript', 'esbuild', 'eslint', 'prettier']) {
      assert.ok(!existsSync(join(modules, dev)), `${dev} is not installed (${relative(installed, modules)}/${dev})`);
    }
    // The libraries bundled into dist/ are not installed a second time; their licences ship with it.
    const licences = readFileSync(join(pkg, 'dist/THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const bundled of ['ajv', 'yaml', 'commander', 'pino', 'prom-client', '@sinclair/typebox']) {
      assert.ok(!existsSync(join(modules, bundled)), `${bundled} is bundled, not installed`);
      assert.match(licences, new RegExp(`^${bundled.replace('/', '\\/')}@\\d`, 'm'), `${bundled}'s licence ships`);
    }
  });

  test('`serin --version` prints the package version, run by Node 26 through the bin', async () => {
    const version = await run(serin, ['--version'], { env, cwd: installed });
    assert.equal(version.stdout.trim(), PACKAGE_VERSION);
    assert.equal((await run('node', ['--version'], { env })).stdout.trim(), `v${NODE_VERSION}`);
  });

  test("`serin simulate` rolls the seed's low-success-rate scenario back; `serin demo` tells its four verdicts", async () => {
    const seed = join(installed, 'node_modules/serin/examples/seed');
    const simulated = await run(
      serin,
      [
        'simulate',
        '-f',
        join(seed, 'account.yaml'),
        '-f',
        join(seed, 'canary.yaml'),
        '--scenario',
        join(seed, 'scenarios/2-low-success-rate.yaml'),
        '--html',
        join(installed, 'report.html'),
      ],
      { env, cwd: installed },
    );
    assert.match(simulated.stdout, /Halt account\.default advancement success rate 98\.70% < 99%/);
    // The report inlines the dashboard's bundle, built into dist/ (no esbuild in an installed package).
    const report = await readFile(join(installed, 'report.html'), 'utf8');
    assert.match(report, /<script type="application\/json" id="serin-report">/);
    assert.ok(report.length > 50_000, `the report carries the page's code (${report.length} characters)`);
    assert.match(simulated.stdout, /^Verdict: ROLLED BACK — phase Failed/m);
    const demo = await run(serin, ['demo'], { env, cwd: installed });
    const verdicts = [...demo.stdout.matchAll(/^Verdict: (\S+(?: \S+)?) —/gm)].map((m) => m[1]);
    assert.deepEqual(verdicts, ['ROLLED BACK', 'ROLLED BACK', 'PROMOTED', 'PROMOTED', 'ROLLED BACK']);
  });

  test('`serin loadtester` spreads a hey run over its threads, the thread script found in dist/', async (t) => {
    const target = await startTarget(t);
    const tester = startLogged(
      t,
      'package-loadtester',
      serin,
      ['loadtester', '--port', '0', '--address', '127.0.0.1', '--allow-target', '127.0.0.1', '--load-threads', '2'],
      { env, cwd: installed },
    );
    const logLine = async (msg: string) =>
      (await readFile(tester.log, 'utf8')).split('\n').find((l) => l.includes(`"msg":"${msg}"`));
    const port = await whileRunning(
      tester,
      eventually('the load tester to listen', async () => {
        const line = await logLine('load tester listening');
        return line ? (JSON.parse(line) as { port: number }).port : undefined;
      }),
    );
    const answer = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload({ type: 'bash', cmd: `hey -n 40 -c 4 ${target.url}/` })),
    });
    assert.equal(answer.status, 200, await answer.text());
    assert.equal(target.hits.length, 40);
    assert.match((await logLine('load run started')) ?? '', /"threads":2/, 'the run used both threads');
  });

  test('`serin operator` takes a Canary through a release on the test cluster', async (t) => {
    await releaseThrough(t, 'package', (ns) =>
      startLogged(t, `package-operator-${ns}`, serin, operatorArgs(ns), { env, cwd: installed }),
    );
  });
});
