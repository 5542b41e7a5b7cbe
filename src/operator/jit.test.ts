import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

// V8's %GetOptimizationStatus bits (src/runtime/runtime-test.cc).
const MAGLEVVED = 1 << 5;
const TURBOFANNED = 1 << 6;

/** In a process of its own (the setting is process-wide): a hot function's status after `useJit(mode)`. */
function statusOfHotFunction(mode: string): number {
  const jit = pathToFileURL(new URL('./jit.ts', import.meta.url).pathname).href;
  const script = `
    const { useJit } = await import(${JSON.stringify(jit)});
    useJit(${JSON.stringify(mode)});
    function sum(values) { let s = 0; for (let i = 0; i < values.length; i++) s += values[i] * 2; return s; }
    const values = Array.from({ length: 1000 }, (_, i) => i);
    let total = 0;
    for (let i = 0; i < 20000; i++) total += sum(values);
    console.log(%GetOptimizationStatus(sum));`;
  const run = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout.trim());
}

test('--jit baseline: a hot function is never optimized by Maglev or TurboFan', () => {
  assert.equal(statusOfHotFunction('baseline') & (MAGLEVVED | TURBOFANNED), 0);
});

test('--jit full: V8 optimizes the same hot function', () => {
  assert.notEqual(statusOfHotFunction('full') & (MAGLEVVED | TURBOFANNED), 0);
});
