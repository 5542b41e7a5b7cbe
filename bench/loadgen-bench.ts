/**
 * The load tester's built-in generator against Debian's `hey`, in one run: the same local HTTP
 * server (its own Node process on 127.0.0.1), the same concurrency and duration, the same command
 * line. Ours runs the way a webhook runs it — POSTed to an in-process `serin loadtester` as a
 * `bash` task returning its summary — so the figure includes everything a user's load goes
 * through. Rounds alternate between the two and the medians are reported. `hey` comes from
 * tools/install-bench-deps.sh (apt), run here when it is missing.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { startLoadTester, type RunningLoadTester } from '../src/loadtester/server.js';
import { parseLoadTesterFlags } from '../src/loadtester/settings.js';
import type { Figure } from './run.js';

const HEY = '/usr/bin/hey';
const CONCURRENCY = 50;
const DURATION = '4s';
/** Rounds of one run each; the first goes first in even rounds, second in odd ones, to cancel order effects. */
const ROUNDS = 5;
const run = promisify(execFile);

/** The server both generators load: one Node process answering every request with a small body. */
const SERVER_CODE = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', SERVER_CODE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((done, fail) => {
    child.stdout.once('data', (chunk: Buffer) => done(chunk.toString().trim()));
    child.once('exit', (code) => fail(new Error(`bench server exited with code ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/` };
}

interface Measured {
  readonly rps: number;
  readonly p99Ms: number;
}

/** Requests/sec and the 99th percentile from a hey-style summary (hey's own, or the load tester's). */
function readSummary(text: string, who: string): Measured {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)?.[1];
  const p99 = /99%\s+in\s+([\d.]+)\s+secs/.exec(text)?.[1];
  if (rps === undefined || p99 === undefined) throw new Error(`bench: no summary from ${who}:\n${text.slice(0, 2000)}`);
  return { rps: Number(rps), p99Ms: Number(p99) * 1000 };
}

async function runHey(url: string, duration = DURATION): Promise<Measured> {
  const { stdout } = await run(HEY, ['-z', duration, '-c', String(CONCURRENCY), url], { maxBuffer: 1 << 20 });
  return readSummary(stdout, 'hey');
}

async function runBuiltIn(tester: RunningLoadTester, url: string, duration = DURATION): Promise<Measured> {
  const res = await fetch(tester.url, {
    method: 'POST',
    body: JSON.stringify({
      name: 'bench',
      namespace: 'bench',
      metadata: { type: 'bash', cmd: `hey -z ${duration} -c ${CONCURRENCY} ${url}`, returnCmdOutput: 'true' },
    }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`bench: the load tester answered ${res.status}: ${text}`);
  return readSummary(text, 'the built-in generator');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function ensureHey(): void {
  if (existsSync(HEY)) return;
  execFileSync(resolve(import.meta.dirname, '../tools/install-bench-deps.sh'), {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!existsSync(HEY)) throw new Error(`bench: ${HEY} is still missing after tools/install-bench-deps.sh`);
}

/** `loadgen_vs_hey_rps_ratio` (target ≥ 1.0), both request rates and both p99 latencies. */
export async function benchLoadgen(): Promise<Figure[]> {
  ensureHey();
  const server = await startServer();
  const parsed = parseLoadTesterFlags({
    port: '0',
    address: '127.0.0.1',
    timeout: '1m',
    clusterDomain: 'cluster.local',
    allowTarget: ['127.0.0.1'],
    allowCommand: [],
    maxBodyBytes: '1048576',
    progressInterval: '10s',
    loadThreads: '0',
    logLevel: 'warn',
  });
  if (!parsed.ok) throw new Error(`bench: ${JSON.stringify(parsed.issues)}`);
  const tester = await startLoadTester({ log: pino({ level: 'warn' }) }, parsed.settings);
  const ours: Measured[] = [];
  const theirs: Measured[] = [];
  try {
    // Warm-up (not counted): the server's and the generator's JIT, connections, page cache.
    await runHey(server.url, '2s');
    await runBuiltIn(tester, server.url, '2s');
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        theirs.push(await runHey(server.url));
        ours.push(await runBuiltIn(tester, server.url));
      } else {
        ours.push(await runBuiltIn(tester, server.url));
        theirs.push(await runHey(server.url));
      }
      console.error(
        `[bench] round ${round + 1}: hey ${theirs.at(-1)!.rps.toFixed(0)} req/s p99 ${theirs.at(-1)!.p99Ms.toFixed(2)} ms; ` +
          `built-in ${ours.at(-1)!.rps.toFixed(0)} req/s p99 ${ours.at(-1)!.p99Ms.toFixed(2)} ms`,
      );
    }
  } finally {
    await tester.stop();
    server.child.kill('SIGTERM');
  }
  // The machine is shared: each round's two runs saw the same background, so the ratio is taken per round.
  const ratio = median(ours.map((m, i) => m.rps / theirs[i]!.rps));
  const oursRps = median(ours.map((m) => m.rps));
  const heyRps = median(theirs.map((m) => m.rps));
  const round2 = (n: number) => Math.round(n * 100) / 100;
  return [
    { name: 'loadgen_vs_hey_rps_ratio', value: round2(ratio), unit: 'ratio' },
    { name: 'loadgen_rps', value: Math.round(oursRps), unit: 'req/s' },
    { name: 'hey_rps', value: Math.round(heyRps), unit: 'req/s' },
    { name: 'loadgen_p99_ms', value: round2(median(ours.map((m) => m.p99Ms))), unit: 'ms' },
    { name: 'hey_p99_ms', value: round2(median(theirs.map((m) => m.p99Ms))), unit: 'ms' },
  ];
}
