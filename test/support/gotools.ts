/**
 * The Go tools tools/gotools/build.sh builds from their Go modules (Go Flagger, Helm, kustomize) and
 * the Prometheus Operator CRDs beside them. `make test` starts that build in the background once the
 * control plane is built, so it compiles while the first tests run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const BUILD_SCRIPT = resolve(import.meta.dirname, '../../tools/gotools/build.sh');
const execFileAsync = promisify(execFile);
const WAIT_LIMIT_MS = 20 * 60_000;

export type GoTool = 'flagger' | 'helm' | 'kustomize';

/** The folder the build fills (bin/, crds/), whether or not it has run. */
export function goToolsDir(): string {
  return execFileSync('bash', [BUILD_SCRIPT, '--print-dir'], { encoding: 'utf8' }).trim();
}

/** Whether the build has finished (every binary and the CRDs are there). */
export function goToolsBuilt(dir = goToolsDir()): boolean {
  return existsSync(join(dir, '.complete'));
}

/**
 * The path of one tool's binary. When `make test` started the build in the background this waits
 * for it; with no build running (one test file run by hand) it builds here. A failed build throws
 * with the end of its log. `note` hears what it waits for.
 */
export async function goToolBinary(tool: GoTool, note: (line: string) => void): Promise<string> {
  const dir = goToolsDir();
  const bin = join(dir, 'bin', tool);
  if (goToolsBuilt(dir)) return bin;
  const pid = Number(readIfThere(join(dir, 'build.pid')).trim());
  const running = () =>
    Number.isInteger(pid) && pid > 0 && readIfThere(`/proc/${pid}/cmdline`).includes('gotools/build.sh');
  if (!running()) {
    note('building Go Flagger, Helm and kustomize (tools/gotools/build.sh)');
    await execFileAsync('bash', [BUILD_SCRIPT], { maxBuffer: 64 * 1024 * 1024 });
    return bin;
  }
  const started = Date.now();
  while (!goToolsBuilt(dir)) {
    if (!running() && !goToolsBuilt(dir)) {
      const log = readIfThere(join(dir, 'build.log')).split('\n').slice(-30).join('\n');
      throw new Error(`the background build of the Go tools failed; end of ${join(dir, 'build.log')}:\n${log}`);
    }
    if (Date.now() - started > WAIT_LIMIT_MS)
      throw new Error('the background build of the Go tools took over 20 minutes');
    await new Promise((done) => setTimeout(done, 2_000));
  }
  note(`waited ${Math.round((Date.now() - started) / 1000)} s for the background build of ${tool}`);
  return bin;
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
