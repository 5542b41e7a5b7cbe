import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { buildProgram, COMMAND_MODULES } from './program.js';
import { readEnvironment } from './environment.js';

const root = resolve(import.meta.dirname, '../..');
const io = { out: () => undefined, err: () => undefined };
const names = (argv: string[]) =>
  buildProgram(readEnvironment({}), io, ['node', 'serin', ...argv]).then((p) => p.commands.map((c) => c.name()));

test('each command module answers to exactly the names it is listed under', async () => {
  for (const [listed, load] of COMMAND_MODULES) {
    const built = (await load(readEnvironment({}), io)).map((c) => c.name());
    assert.deepEqual(built, listed);
  }
});

test('a named command is built alone; help and unknown names get every command', async () => {
  assert.deepEqual(await names(['operator', '--threadiness', '8']), ['operator']);
  assert.deepEqual(await names(['promote', 'podinfo']), ['pause', 'resume', 'promote', 'abort', 'retry']);
  const all = COMMAND_MODULES.flatMap(([listed]) => listed);
  assert.deepEqual(await names(['--help']), all);
  assert.deepEqual(await names(['help', 'operator']), all);
  assert.deepEqual(await names(['operater']), all);
});

test('serin operator loads none of the other commands’ modules (load tester, simulator, dashboard)', () => {
  // Records every module the process loads and prints the list when it exits.
  const hook = `import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen) + '\\n'));`;
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      'src/bin/serin.ts',
      'operator',
      '--help',
    ],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /run the Serin operator/);
  const loaded = JSON.parse(/^LOADED (.*)$/m.exec(run.stderr)?.[1] ?? '[]') as string[];
  assert.ok(
    loaded.some((url) => url.includes('/src/operator/operator.ts')),
    'the operator itself is loaded',
  );
  const others = loaded.filter((url) =>
    [
      '/src/loadtester/',
      '/src/sim/',
      '/src/dashboard/',
      '/src/migrate/',
      '/src/devcluster/',
      '/node_modules/undici/',
    ].some((part) => url.includes(part)),
  );
  assert.deepEqual(others, []);
});
