import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

/** What the Go tool build scripts (tools/controlplane/build.sh, tools/gotools/build.sh) source. */
const LIB = fileURLToPath(new URL('../../tools/controlplane/go-build-lib.sh', import.meta.url));
const VERSIONS = readFileSync(fileURLToPath(new URL('../../tools/controlplane/versions.env', import.meta.url)), 'utf8');
const version = (name: string): string => new RegExp(`^${name}=(\\S+)$`, 'm').exec(VERSIONS)?.[1] ?? `no ${name}`;
const [K8S_VERSION, K8S_STAGING_VERSION, ETCD_VERSION, KWOK_VERSION, FLAGGER_VERSION, HELM_VERSION] = [
  'K8S_VERSION',
  'K8S_STAGING_VERSION',
  'ETCD_VERSION',
  'KWOK_VERSION',
  'FLAGGER_VERSION',
  'HELM_VERSION',
].map(version);

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

/**
 * How many running processes are `bash <path>`. A child the script has just forked (a `sleep`, a
 * `$(…)`) carries the script's command line until it execs: it is not counted, or a count taken in
 * that instant would see two builds where one runs.
 */
function running(path: string): number {
  const matches = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(path);
      } catch {
        return false;
      }
    });
  const parentOf = (pid: string) => {
    try {
      return /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  };
  return matches.filter((pid) => !matches.includes(parentOf(pid) ?? '')).length;
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

describe("enter_controlplane_module, the Go module of the cluster's binaries and of Flagger and Helm", () => {
  const cache = join(scratch, 'modules');
  // A stand-in for the go command: it records each call, makes go.mod on `mod init`, answers `mod
  // download` with a Kubernetes go.mod that has two staging modules, and takes a second on `get`.
  const fakeGo = `
mkdir -p "$SERIN_CP_CACHE"; fake_kmod="$SERIN_CP_CACHE/kubernetes.mod"
printf 'replace (\\n\\tk8s.io/api => ./staging/src/k8s.io/api\\n\\tk8s.io/client-go => ./staging/src/k8s.io/client-go\\n)\\n' > "$fake_kmod"
go() {
  echo "go $*" >> "$SERIN_CP_CACHE/go-calls"
  case "$1 $2" in
    "mod init") printf 'module %s\\n' "$3" > go.mod ;;
    "mod download") printf '{"GoMod": "%s"}\\n' "$fake_kmod" ;;
    "get -tool") sleep 1 ;;
  esac
}
go_tool controlplane controlplane`;
  const env = { SERIN_CP_CACHE: cache };
  const calls = () => readFileSync(join(cache, 'go-calls'), 'utf8').trim().split('\n');

  test('resolves a new module once, with the cluster, etcd, Flagger and Helm in it, then only enters it', () => {
    const run = strictBash(`${fakeGo}\nenter_controlplane_module; pwd; enter_controlplane_module; pwd`, env);
    assert.equal(run.status, 0, run.stderr);
    const folder = join(
      cache,
      'src',
      `k8s-${K8S_VERSION}.etcd-${ETCD_VERSION}.kwok-${KWOK_VERSION}.flagger-${FLAGGER_VERSION}.helm-${HELM_VERSION}`,
    );
    assert.equal(run.stdout, `${folder}\n${folder}\n`, 'the script continues in the module folder');
    const made = calls();
    assert.equal(made.filter((c) => c.startsWith('go get')).length, 1, 'resolved once, not on the second call');
    assert.ok(made.includes(`go mod edit -replace=k8s.io/api=k8s.io/api@${K8S_STAGING_VERSION}`), made.join('\n'));
    assert.ok(made.includes(`go mod edit -replace=k8s.io/client-go=k8s.io/client-go@${K8S_STAGING_VERSION}`));
    const get = made.find((c) => c.startsWith('go get')) ?? '';
    for (const wanted of [
      `k8s.io/kubernetes/cmd/kube-apiserver@${K8S_VERSION}`,
      `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`,
      `go.etcd.io/etcd/server/v3@${ETCD_VERSION}`,
      `github.com/fluxcd/flagger/cmd/flagger@${FLAGGER_VERSION}`,
      `helm.sh/helm/v4/cmd/helm@${HELM_VERSION}`,
    ]) {
      assert.ok(get.includes(wanted), `${wanted} in: ${get}`);
    }
  });

  test('two builds starting at once on a fresh cache resolve it once: the second waits for the first', () => {
    rmSync(cache, { recursive: true, force: true });
    const run = strictBash(`${fakeGo}\n(enter_controlplane_module) & (enter_controlplane_module) & wait`, env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(calls().filter((c) => c.startsWith('go get')).length, 1, calls().join('\n'));
  });
});
