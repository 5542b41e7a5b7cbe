/**
 * Commands other than `hey` and `curl`, run as child processes (only with `--enable-commands`, for
 * allow-listed programs). Each runs in a process group of its own, so a timeout — or the end of the
 * command — kills everything it started, not only the shell. Output (stdout and stderr together,
 * as Flagger's load tester captures it) is kept to its last 64 KiB.
 */
import { spawn } from 'node:child_process';

/** How a command ended. */
export interface ChildResult {
  /** The exit code; undefined when it was killed. */
  readonly exitCode: number | undefined;
  /** True when the timeout (or an abort) killed it. */
  readonly killed: boolean;
  /** The last 64 KiB of what it wrote. */
  readonly output: string;
  /** Why it could not start (`ENOENT` when the program is not installed). */
  readonly startError?: string | undefined;
}

const MAX_OUTPUT = 64 * 1024;

/**
 * Runs `argv` (no shell) until it exits, `timeoutMs` passes or `signal` aborts; then kills its
 * process group with SIGKILL so no child it left behind keeps running.
 */
export function runChild(argv: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<ChildResult> {
  const [program, ...args] = argv;
  return new Promise((resolve) => {
    let output = '';
    let killed = false;
    const child = spawn(program!, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    };
    const stop = () => {
      killed = true;
      killGroup();
    };
    const timer = setTimeout(stop, timeoutMs);
    signal.addEventListener('abort', stop, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      resolve({ exitCode: undefined, killed: false, output, startError: err.code ?? err.message });
    });
    // Whatever the command left running in the background goes with it (and so do the pipes it
    // holds open, which would otherwise keep 'close' from coming).
    child.once('exit', () => {
      clearTimeout(timer);
      killGroup();
    });
    child.once('close', (code) => {
      signal.removeEventListener('abort', stop);
      resolve({ exitCode: code ?? undefined, killed, output });
    });
  });
}
