import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A control-plane component started as its own process group, its output in a log file. */
export interface ComponentProcess {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
}

/** Starts `command` detached (its own process group, so `stop` takes its children too). */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { readonly log: string; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string },
): ComponentProcess {
  const fd = openSync(options.log, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    child.unref();
    return { name, pid: child.pid, log: options.log };
  } finally {
    closeSync(fd);
  }
}

/** True while the process exists (signal 0 checks without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. Never throws for a process already gone. */
export async function stopProcess(pid: number, graceMs = 5000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

/** The last `lines` lines of a log file, for error messages when a component fails. */
export function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Asks the kernel for `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no port assigned');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
