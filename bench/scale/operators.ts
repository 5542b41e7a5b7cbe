/**
 * The two operators bench/scale compares, each started as its own process with its own identity (a
 * ServiceAccount token), so that its RSS and CPU come from /proc and its requests from the audit log:
 * Serin as the npm package runs it (`dist/`, built first), and Go Flagger built from its Go module
 * (tools/gotools/build.sh).
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { goToolBinary } from '../../test/support/gotools.js';
import { imageRuntimeEnv } from '../../test/support/packaged.js';
import { freePort, stopProcess } from '../../test/support/prometheus.js';

const ROOT = resolve(import.meta.dirname, '../..');
const execFileAsync = promisify(execFile);

export type OperatorName = 'serin' | 'flagger';

export interface RunningOperator {
  readonly name: OperatorName;
  readonly pid: number;
  readonly log: string;
  /** Port of its /metrics. */
  readonly port: number;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface OperatorLaunch {
  readonly kubeconfig: string;
  readonly metricsServer: string;
  readonly logDir: string;
  /** More flags (SCALE_SERIN_FLAGS / SCALE_FLAGGER_FLAGS). */
  readonly extra: readonly string[];
  /** Serin: the built `dist/` to run; default this checkout's. */
  readonly dist?: string;
  /** Serin: flags for node itself; default SCALE_SERIN_NODE_FLAGS. */
  readonly nodeFlags?: readonly string[];
  /** Serin: variables over the image's (tools/image/runtime.env). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Compiles dist/ (what the package runs) once per bench run. */
export async function buildSerin(say: (line: string) => void): Promise<void> {
  say('[scale] building dist/ (npm run build)');
  await execFileAsync('npm', ['run', '--silent', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
}

export async function startOperator(
  name: OperatorName,
  launch: OperatorLaunch,
  say: (line: string) => void,
): Promise<RunningOperator> {
  const port = await freePort();
  const log = join(launch.logDir, `${name}-${Date.now()}.log`);
  const [command, args] =
    name === 'serin'
      ? [
          process.execPath,
          [
            // V8 flags that NODE_OPTIONS refuses (e.g. --optimize-for-size) go on node's command line.
            ...(launch.nodeFlags ?? (process.env.SCALE_SERIN_NODE_FLAGS ?? '').split(' ').filter(Boolean)),
            join(launch.dist ?? join(ROOT, 'dist'), 'bin/serin.js'),
            'operator',
            '--kubeconfig',
            launch.kubeconfig,
            '--mesh-provider',
            'appmesh:v1beta2',
            '--metrics-server',
            launch.metricsServer,
            '--port',
            String(port),
            '--log-level',
            'info',
            ...launch.extra,
          ],
        ]
      : [
          await goToolBinary('flagger', say),
          [
            '-kubeconfig',
            launch.kubeconfig,
            '-mesh-provider',
            'appmesh:v1beta2',
            '-metrics-server',
            launch.metricsServer,
            '-port',
            String(port),
            '-log-level',
            'info',
            ...launch.extra,
          ],
        ];
  // Serin runs with the settings its image sets (tools/image/runtime.env: NODE_OPTIONS, malloc's).
  // SCALE_HEAP_SNAPSHOT=1: SIGUSR2 makes it write a heap snapshot into the log directory.
  const snapshots = process.env.SCALE_HEAP_SNAPSHOT
    ? ` --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${launch.logDir}`
    : '';
  const runtime = name === 'serin' ? { ...imageRuntimeEnv(), ...launch.env } : {};
  const env =
    name === 'serin'
      ? { ...process.env, ...runtime, NODE_OPTIONS: `${runtime.NODE_OPTIONS ?? ''}${snapshots}` }
      : process.env;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out = createWriteStream(log);
  // Both streams into one file, closed when the process exits: the first stream to end must not
  // end the file under the other (an operator that exits at once crashed the bench, leaving its
  // cluster running).
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  let stopping = false;
  child.on('close', (code, signal) => {
    out.end();
    if (!stopping) say(`[scale] ${name} exited on its own (${signal ?? `code ${code}`}); its log: ${log}`);
  });
  say(`[scale] ${name} started (pid ${child.pid}, log ${log})`);
  return {
    name,
    pid: child.pid ?? 0,
    log,
    port,
    stop: () => {
      stopping = true;
      return stopProcess(child, 10_000);
    },
  };
}
