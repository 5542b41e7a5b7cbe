/**
 * The test command behind `make test`: starts one real local control plane for the whole run
 * (building it first on a new machine), installs the CRDs, runs every test file with Node's test
 * runner against it, and tears the cluster down. `--unit` runs only the tests that need no cluster;
 * other arguments select test files by a part of their path (`npx tsx test/run.ts appmesh`).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureControlPlane } from '../src/devcluster/binaries.js';
import { startLocalCluster, stopLocalCluster, type LocalCluster } from '../src/devcluster/cluster.js';
import { installCrds } from '../src/devcluster/install-crds.js';
import { goToolsBuilt } from './support/gotools.js';

const root = resolve(import.meta.dirname, '..');

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

/**
 * Test files run four at a time: the long ones mostly wait on analysis intervals (Flagger's 10 s
 * ticks, the seed Canary's 30 s), so more lanes shorten the run; on 2 cores the CPU stayed 35–50%
 * idle with three.
 */
const FILE_CONCURRENCY = 4;

function runNodeTests(files: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${FILE_CONCURRENCY}`, ...files],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
    );
    child.on('close', (code) => done(code ?? 1));
  });
}

const unitOnly = process.argv.includes('--unit');
/**
 * The files that take longest (each measured at 1–3.5 min, waiting on 30 s or 10 s intervals), longest
 * first. They start first, so no lane is left running one of them alone at the end of the run; a
 * name that matches nothing is harmless.
 */
const SLOWEST = [
  'loadtester-seed',
  'takeover',
  'loadtester-gates',
  'seed-scenarios',
  'loadtester-hooks',
  'cli-release',
  'operator-resilience',
  'cli-check',
  'integration/image',
  'integration/package',
  'cli-status',
  'operator-gatewayapi',
  'gatewayapi-traffic',
  'loadtester-inputs',
];

/** Files that need a binary `make test` compiles in the background (tools/gotools/build.sh). */
const NEEDS_GO_TOOLS = ['integration/takeover', 'integration/helm-chart'];

/**
 * The slowest first, so no lane is left running one of them alone at the end; but a file whose
 * binary is still compiling (a fresh machine) goes last, so no lane sits waiting for the compiler
 * while other files could run.
 */
function slowestFirst(files: readonly string[]): string[] {
  const waiting = goToolsBuilt() ? [] : NEEDS_GO_TOOLS;
  const rank = (f: string) => {
    if (waiting.some((name) => f.includes(name))) return SLOWEST.length + 1;
    const i = SLOWEST.findIndex((name) => f.includes(name));
    return i < 0 ? SLOWEST.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b));
}

// Extra arguments narrow the run to files whose path contains one of them (e.g. `appmesh`).
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const selected = (files: string[]): string[] =>
  filters.length === 0 ? files : files.filter((f) => filters.some((x) => f.includes(x)));
const unitFiles = selected(findTests(join(root, 'src')));
const clusterFiles = selected(findTests(join(root, 'test')));
// Given no file, `node --test` would run every test file it finds, cluster ones included.
if ((unitOnly ? unitFiles : [...unitFiles, ...clusterFiles]).length === 0) {
  const where = unitOnly ? 'src/ (--unit runs only the tests that need no cluster)' : 'src/ or test/';
  console.error(`no test file in ${where} has ${filters.map((f) => `"${f}"`).join(' or ')} in its path`);
  process.exit(1);
}
if (unitOnly) process.exit(await runNodeTests(unitFiles, {}));

const log = (line: string): void => console.log(line);
const files = await ensureControlPlane({ build: true, onProgress: log });
let cluster: LocalCluster | undefined;
const stop = async (): Promise<void> => {
  if (cluster) await stopLocalCluster(cluster, { keepState: process.env.SERIN_KEEP_CLUSTER === '1' });
  cluster = undefined;
};
process.on('SIGINT', () => void stop().then(() => process.exit(130)));
let code = 1;
try {
  const stateDir = join(process.env.TMPDIR ?? '/tmp', `serin-test-cluster-${process.pid}`);
  cluster = await startLocalCluster({ stateDir, files, onProgress: log });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const crds = await installCrds(kc, files);
  log(`[cluster] installed ${crds.length} CRDs`);
  code = await runNodeTests(slowestFirst([...unitFiles, ...clusterFiles]), {
    KUBECONFIG: cluster.kubeconfig,
    SERIN_TEST_CLUSTER: cluster.stateDir,
  });
} finally {
  await stop();
}
process.exit(code);
