import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';

test('`serin demo` tells the five stories with their verdicts, without a cluster', () => {
  const root = resolve(import.meta.dirname, '../..');
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/bin/serin.ts', 'demo'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: '/nonexistent' },
  });
  assert.equal(run.status, 0, run.stderr);
  const verdicts = [...run.stdout.matchAll(/^Verdict: (\S+(?: \S+)?) —/gm)].map((m) => m[1]);
  assert.deepEqual(verdicts, ['ROLLED BACK', 'ROLLED BACK', 'PROMOTED', 'PROMOTED', 'ROLLED BACK']);
  assert.match(run.stdout, /━━━ Scenario 5 of 5 ━━━/);
  assert.match(
    run.stdout,
    /Rolling back account\.shop: the judge found the canary worse than the primary: error-ratio/,
  );
  assert.match(run.stdout, /serin retry account.*\n.*Retrying account\.shop with the current Canary spec/);
});
