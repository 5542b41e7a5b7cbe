import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

test('malloc_trim hands freed memory back: RSS falls, and no warning reaches stderr', () => {
  const module = pathToFileURL(new URL('./memory-trim.ts', import.meta.url).pathname).href;
  // ~200 MiB of 4 KiB buffers from malloc, one in a hundred kept: the freed ones stay in the
  // process (glibc keeps holes below live allocations) until they are trimmed.
  const script = `
    const { loadMallocTrim } = await import(${JSON.stringify(module)});
    const loaded = await loadMallocTrim();
    if (!loaded.ok) throw new Error(loaded.reason);
    const rss = () => process.memoryUsage().rss / 2 ** 20;
    const kept = [];
    for (let i = 0; i < 50000; i++) { const b = Buffer.allocUnsafeSlow(4096).fill(1); if (i % 100 === 0) kept.push(b); }
    for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 200)); }
    const before = rss();
    loaded.trim();
    console.log(JSON.stringify({ before, after: rss(), kept: kept.length }));`;
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const { before, after } = JSON.parse(run.stdout) as { before: number; after: number };
  assert.ok(before - after > 10, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
  assert.doesNotMatch(run.stderr, /ExperimentalWarning|FFI/);
});
