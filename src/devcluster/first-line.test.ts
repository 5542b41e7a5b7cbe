import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/** The helper build.sh sources to print each binary's version banner. */
const FIRST_LINE = fileURLToPath(new URL('../../tools/controlplane/first-line.sh', import.meta.url));

/**
 * Shell functions standing in for a binary's `--version`: `chatty` prints its banner and then far
 * more than a pipe holds (64 KiB) — so a reader that exits early closes the pipe while it still
 * writes — and `fails` prints a usage text and exits 3.
 */
const FAKES = [
  'chatty() { echo "etcd Version: 3.6.0"; seq 1 2000000; }',
  'fails() { echo "unknown flag: --version"; echo "usage: fails [flags]"; return 3; }',
  'banner_on_stderr() { echo "kwok version v0.7.0" >&2; }',
].join('\n');

/** Runs `script` in bash under build.sh's `set -euo pipefail`, with first-line.sh and the fakes loaded. */
function strictBash(script: string) {
  const run = spawnSync('bash', ['-c', `set -euo pipefail\n. "$1"\n${FAKES}\n${script}`, 'bash', FIRST_LINE], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.error, undefined);
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

test('first_line prints only the first line of a command that writes far more than a pipe holds, and succeeds', () => {
  const run = strictBash('first_line chatty\necho "still running"');
  assert.deepEqual(run, { status: 0, signal: null, stdout: 'etcd Version: 3.6.0\nstill running\n', stderr: '' });
});

test('first_line prints the first line of a command that fails, and succeeds: a banner is informational', () => {
  const run = strictBash('echo "[controlplane] etcd: $(first_line fails)"');
  assert.deepEqual(run, {
    status: 0,
    signal: null,
    stdout: '[controlplane] etcd: unknown flag: --version\n',
    stderr: '',
  });
});

test("first_line reads the command's stderr too, as `2>&1 | head -1` did", () => {
  const run = strictBash('first_line banner_on_stderr');
  assert.deepEqual(run, { status: 0, signal: null, stdout: 'kwok version v0.7.0\n', stderr: '' });
});

test('the form first_line replaces, `cmd | head -1` under pipefail, fails with SIGPIPE (141) on the same output', () => {
  const run = strictBash('chatty 2>&1 | head -1\necho "not reached"');
  assert.equal(run.stdout, 'etcd Version: 3.6.0\n', 'head printed the line, then the script died');
  assert.equal(run.status, 141, `exit ${run.status}: 128 + SIGPIPE(13) is the pipeline's status under pipefail`);
});
