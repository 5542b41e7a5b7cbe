/**
 * The body of one load thread (see load-threads.ts): it keeps one dispatcher for its life and runs
 * its share of each plan it is sent on its own event loop, posting what happened every
 * {@link BATCH_MS} — statuses and latencies of the requests answered since the last batch (a
 * negative status is a failure of that kind) — then the error codes of failed requests.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LoadRun } from './load-generator.js';
import {
  BATCH_MS,
  FAILED_STATUS,
  type LoadThreadCommand,
  type LoadThreadData,
  type LoadThreadMessage,
} from './load-thread-protocol.js';
import type { LoadErrorKind } from './metrics.js';
import { TargetPolicy, loadDispatcher } from './targets.js';

const port: MessagePort | null = parentPort;
if (!port) throw new Error('load-thread.ts runs as a worker thread');
const data = workerData as LoadThreadData;
const dispatcher = loadDispatcher(new TargetPolicy(data.policy), data.routes);
const running = new Map<number, AbortController>();

async function run(command: Extract<LoadThreadCommand, { kind: 'run' }>, to: MessagePort): Promise<void> {
  const { id } = command;
  let statuses: number[] = [];
  let latencies: number[] = [];
  const flush = () => {
    if (statuses.length === 0) return;
    to.postMessage({ kind: 'batch', id, statuses, latencies } satisfies LoadThreadMessage);
    statuses = [];
    latencies = [];
  };
  const observer = {
    response(status: number, ms: number) {
      statuses.push(status);
      latencies.push(ms);
    },
    failure(kind: LoadErrorKind, ms: number) {
      statuses.push(FAILED_STATUS[kind]);
      latencies.push(ms);
    },
  };
  const load = new LoadRun({ dispatcher, observer }, { ...command.plan, url: new URL(command.plan.url) });
  const stop = new AbortController();
  running.set(id, stop);
  const timer = setInterval(flush, BATCH_MS);
  try {
    await load.run(stop.signal);
  } finally {
    clearInterval(timer);
    running.delete(id);
    flush();
    to.postMessage({ kind: 'done', id, failures: [...load.report.failures] } satisfies LoadThreadMessage);
  }
}

port.on('message', (command: LoadThreadCommand) => {
  if (command.kind === 'stop') running.get(command.id)?.abort();
  else void run(command, port);
});
