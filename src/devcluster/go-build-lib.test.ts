import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

/** What the Go tool build scripts (tools/{controlplane,flagger,helm,kustomize}/build.sh) source. */
const LIB = fileURLToPath(new URL('../../tools/controlplane/go-build-lib.sh', import.meta.url));
const K8S_VERSION = /^K8S_VERSION=(\S+)$/m.exec(
  readFileSync(fileURLToPath(new URL('../../tools/controlplane/versions.env', import.meta.url)), 'utf8'),
)?.[1];

const scratch = mkdtempSync(join(tmpdir(), 'serin-go-build-lib-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

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

/** Runs `script` in bash under the build scripts' `set -euo pipefail`, with the library and the fakes loaded. */
function strictBash(script: string, env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync('bash', ['-c', `set -euo pipefail\n. "$1"\n${FAKES}\n${script}`, 'bash', LIB], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SERIN_CP_CACHE: join(scratch, 'cache'), ...env },
  });
  assert.equal(run.error, undefined);
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

describe('first_line, which prints each control-plane binary’s version banner', () => {
  test('prints only the first line of a command that writes far more than a pipe holds, and succeeds', () => {
    const run = strictBash('first_line chatty\necho "still running"');
    assert.deepEqual(run, { status: 0, signal: null, stdout: 'etcd Version: 3.6.0\nstill running\n', stderr: '' });
  });

  test('prints the first line of a command that fails, and succeeds: a banner is informational', () => {
    const run = strictBash('echo "[controlplane] etcd: $(first_line fails)"');
    assert.deepEqual(run, {
      status: 0,
      signal: null,
      stdout: '[controlplane] etcd: unknown flag: --version\n',
      stderr: '',
    });
  });

  test("reads the command's stderr too, as `2>&1 | head -1` did", () => {
    const run = strictBash('first_line banner_on_stderr');
    assert.deepEqual(run, { status: 0, signal: null, stdout: 'kwok version v0.7.0\n', stderr: '' });
  });

  test('the form it replaces, `cmd | head -1` under pipefail, fails with SIGPIPE (141) on the same output', () => {
    const run = strictBash('chatty 2>&1 | head -1\necho "not reached"');
    assert.equal(run.stdout, 'etcd Version: 3.6.0\n', 'head printed the line, then the script died');
    assert.equal(run.status, 141, `exit ${run.status}: 128 + SIGPIPE(13) is the pipeline's status under pipefail`);
  });
});

/** The processes left in session `sid` (the ps lines), once its leader has exited. */
function leftIn(sid: number): string[] {
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '-s', String(sid)], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.trim() !== '');
}

describe('with_heartbeat, around a long compile', () => {
  test("prints a step line with the label while the command runs, and returns the command's status", () => {
    // The command ends only once a heartbeat has been printed: no guess at how long that takes.
    const run = strictBash(
      [
        'heartbeat_seconds=0.2',
        'go_tool kustomize fake-v1',
        'log=$(mktemp); exec 2>"$log"',
        'slow_and_failing() { until grep -q "still building" "$log"; do sleep 0.05; done; return 7; }',
        'rc=0; with_heartbeat kustomize slow_and_failing || rc=$?',
        'echo "rc=$rc"; head -1 "$log"',
      ].join('\n'),
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^rc=7\n\[kustomize +\d+s\] kustomize: still building…\n$/);
  });

  test('leaves no process behind when the command ends, so the output closes with the script', async () => {
    // The command waits until the heartbeat's `sleep 60` runs: it is the process that used to be left over.
    const script = [
      'set -euo pipefail',
      '. "$1"',
      'go_tool helm fake-v1',
      'with_heartbeat helm bash -c \'until pgrep -s 0 -f "^sleep 60$" >/dev/null; do sleep 0.05; done\'',
      'echo built',
    ].join('\n');
    const child = spawn('bash', ['-c', script, 'bash', LIB], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    assert.equal(code, 0);
    assert.equal(stdout, 'built\n');
    assert.deepEqual(leftIn(child.pid as number), [], 'processes still running in the build script’s session');
  });
});

/**
 * A build script on the library, as tools/<name>/build.sh are: its "build" waits for a `go` file
 * in its cache folder (so a test decides when it ends), then writes a binary and finishes.
 */
function fakeScript(name: string): string {
  const path = join(scratch, name, 'build.sh');
  mkdirSync(join(scratch, name), { recursive: true });
  writeFileSync(
    path,
    [
      'set -euo pipefail',
      `. ${JSON.stringify(LIB)}`,
      `go_tool ${name} ${name}-v1 bin/${name}`,
      `front_matter --print-bin "${name} v1 for a test" "$@"`,
      'step "building"',
      'until [ -f "$dir/go" ]; do sleep 0.05; done',
      'mkdir -p "$dir/bin"; printf "#!/bin/sh\\necho v1\\n" >"$out"; chmod +x "$out"',
      'finish',
    ].join('\n'),
  );
  return path;
}

function runScript(path: string, ...args: string[]) {
  const run = spawnSync('bash', [path, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SERIN_CP_CACHE: join(scratch, 'cache') },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** How many running processes are `bash <path>`. */
function running(path: string): number {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(path);
      } catch {
        return false;
      }
    }).length;
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !probe(); i++) await new Promise((done) => setTimeout(done, 50));
  assert.ok(probe(), `gave up waiting: ${what}`);
}

describe("a build script's command line (front_matter)", () => {
  const cache = join(scratch, 'cache');

  test('--print-bin prints where the binary goes and builds nothing', () => {
    const script = fakeScript('printer');
    assert.deepEqual(runScript(script, '--print-bin'), {
      status: 0,
      stdout: `${cache}/printer-v1/bin/printer\n`,
      stderr: '',
    });
    assert.equal(existsSync(join(cache, 'printer-v1')), false);
  });

  test('an unknown argument is refused with the arguments the script takes, and nothing is built', () => {
    const script = fakeScript('strict');
    const run = runScript(script, '--print-dir');
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^\[strict\] unknown arguments: --print-dir\. Use none .*--print-bin .*--background/);
    assert.equal(existsSync(join(cache, 'strict-v1')), false);
  });

  test('--background twice starts one build; once it is done, a run prints the path alone', async () => {
    const script = fakeScript('twice');
    const dir = join(cache, 'twice-v1');
    const first = runScript(script, '--background');
    const second = runScript(script, '--background');
    assert.deepEqual([first.status, first.stdout, second.status, second.stdout], [0, '', 0, '']);
    assert.match(first.stderr, /^\[twice\] compiling twice v1 for a test in the background \(log: .*build\.log\)\n$/);
    assert.equal(second.stderr, '', 'the second call found the running build');
    await until('the background build logs its first step', () =>
      readFileSync(join(dir, 'build.log'), 'utf8').includes('building'),
    );
    assert.equal(running(script), 1);
    writeFileSync(join(dir, 'go'), '');
    await until('the background build ends', () => running(script) === 0);
    assert.ok(existsSync(join(dir, '.complete')), 'the build stamped its folder finished');
    assert.match(
      readFileSync(join(dir, 'build.log'), 'utf8'),
      /\[twice +\d+s\] done: .*\/bin\/twice\n.*\/bin\/twice\n$/,
    );
    assert.deepEqual(runScript(script), { status: 0, stdout: `${dir}/bin/twice\n`, stderr: '' });
    assert.deepEqual(runScript(script, '--background'), { status: 0, stdout: `${dir}/bin/twice\n`, stderr: '' });
  });
});

describe("module_from_controlplane, which starts a tool's Go module", () => {
  const cache = join(scratch, 'modules');
  const env = { SERIN_CP_CACHE: cache, GOTOOLCHAIN: 'local', GOFLAGS: '-modcacherw' };

  test("starts from a copy of the control plane's go.mod and go.sum, renamed, when that build ran", () => {
    const k8s = join(cache, 'src', `k8s-${K8S_VERSION}`);
    mkdirSync(k8s, { recursive: true });
    writeFileSync(join(k8s, 'go.mod'), 'module serin.local/k8sbins\n\ngo 1.26.0\n\nrequire k8s.io/api v0.36.3\n');
    writeFileSync(join(k8s, 'go.sum'), 'k8s.io/api v0.36.3 h1:fake=\n');
    const run = strictBash('module_from_controlplane tool-v1 serin.local/tool; pwd', env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `${join(cache, 'src', 'tool-v1')}\n`, 'the script continues in the module folder');
    const goMod = readFileSync(join(cache, 'src', 'tool-v1', 'go.mod'), 'utf8');
    assert.match(goMod, /^module serin\.local\/tool\n/);
    assert.match(goMod, /require k8s\.io\/api v0\.36\.3/);
    assert.equal(readFileSync(join(cache, 'src', 'tool-v1', 'go.sum'), 'utf8'), 'k8s.io/api v0.36.3 h1:fake=\n');
  });

  test('keeps a module it made before, and starts an empty one when there is no control plane build', () => {
    const kept = strictBash('module_from_controlplane tool-v1 serin.local/other', env);
    assert.equal(kept.status, 0, kept.stderr);
    assert.match(readFileSync(join(cache, 'src', 'tool-v1', 'go.mod'), 'utf8'), /^module serin\.local\/tool\n/);
    rmSync(join(cache, 'src', `k8s-${K8S_VERSION}`), { recursive: true });
    const fresh = strictBash('module_from_controlplane lone-v1 serin.local/lone', env);
    assert.equal(fresh.status, 0, fresh.stderr);
    const goMod = readFileSync(join(cache, 'src', 'lone-v1', 'go.mod'), 'utf8');
    assert.match(goMod, /^module serin\.local\/lone\n/);
    assert.doesNotMatch(goMod, /require/);
  });
});
