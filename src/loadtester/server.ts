/**
 * `serin loadtester`'s HTTP service (flagger-spec §9.2): `/healthz`, `/metrics`, the gates, and the
 * task endpoint `/` for everything else. Built by a factory from ports and settings, so tests run
 * it in-process on loopback. Methods are not enforced, as in Flagger. Bodies are cut at
 * `maxBodyBytes` (413); a payload whose namespace does not match `namespaceRegexp` gets 403.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { readBody } from '../lib/read-body.js';
import { FORBIDDEN, refuse, type Answer } from './answers.js';
import { tokenFile, type TokenSource } from './auth.js';
import { GateStore, answersWithoutBody, isGateRoute } from './gates.js';
import { createLoadTesterMetrics, type LoadTesterMetrics } from './metrics.js';
import { LoadThreadPool } from './load-threads.js';
import { loggableMetadata, readPayload } from './payload.js';
import type { LoadTesterSettings } from './settings.js';
import { TargetPolicy, loadDispatcher, type Routes } from './targets.js';
import { TaskRuns } from './task-runs.js';
import { TaskRunner } from './tasks.js';

/** Ports of the load tester. */
export interface LoadTesterDeps {
  readonly log: Logger;
  /** Where connections to some target names really go; default: where DNS says. Tests stand in for cluster DNS. */
  readonly routes?: Routes | undefined;
  /** The expected token; default: read `tokenFile` on every check. */
  readonly token?: TokenSource | undefined;
}

/** A load tester that is listening. */
export interface RunningLoadTester {
  /** `http://<address>:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly metrics: LoadTesterMetrics;
  /** Stops listening, ends every task (killing child processes) and closes connections. */
  stop(): Promise<void>;
}

type Settings = Omit<LoadTesterSettings, 'logLevel'>;

/** Builds the request handler and its state. */
function createHandler(deps: LoadTesterDeps, settings: Settings) {
  const metrics = createLoadTesterMetrics();
  const policyOptions = {
    rules: settings.allowTargets,
    clusterDomain: settings.clusterDomain,
    namespace: settings.namespace,
  };
  const policy = new TargetPolicy(policyOptions);
  const dispatcher = loadDispatcher(policy, deps.routes);
  const threads = new LoadThreadPool(
    { policy: policyOptions, routes: deps.routes ?? {} },
    settings.loadThreads || Math.min(availableParallelism(), 4),
  );
  const runs = new TaskRuns(
    { log: deps.log, metrics, dispatcher, threads },
    { progressIntervalMs: settings.progressIntervalMs },
  );
  const token = deps.token ?? (settings.tokenFile ? tokenFile(settings.tokenFile) : undefined);
  const tasks = new TaskRunner({ log: deps.log, metrics, runs, policy, token }, settings);
  const gates = new GateStore((key, open) => deps.log.info({ gate: key, open }, open ? 'gate opened' : 'gate closed'));

  async function answer(path: string, req: IncomingMessage): Promise<Answer> {
    const fixed = isGateRoute(path) ? answersWithoutBody(path) : undefined;
    if (fixed) return fixed;
    const body = await readBody(req, settings.maxBodyBytes);
    if (body === undefined) {
      return refuse(
        'BodyTooLarge',
        `the body is over ${settings.maxBodyBytes} bytes; webhook payloads are small (raise --max-body-bytes if yours is not)`,
      );
    }
    const read = readPayload(body);
    if (!read.ok) return refuse('BadPayload', read.reason);
    const { payload } = read;
    deps.log.info(
      {
        route: path,
        name: payload.name,
        namespace: payload.namespace,
        phase: payload.phase,
        checksum: payload.checksum,
        ...(payload.metadata ? { metadata: loggableMetadata(payload.metadata) } : {}),
      },
      'webhook received',
    );
    if (settings.namespaceRegexp && !settings.namespaceRegexp.test(payload.namespace)) {
      deps.log.warn({ route: path, namespace: payload.namespace }, 'namespace refused by --namespace-regexp');
      return { ...FORBIDDEN, refusal: 'NamespaceNotAllowed' };
    }
    if (isGateRoute(path)) return gates.answer(path, payload);
    return tasks.answer(payload, req.headers.authorization);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://loadtester').pathname;
    if (path === '/healthz') return send(res, 'healthz', { status: 200, body: 'OK' });
    if (path === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      return;
    }
    const route = isGateRoute(path) ? path : '/';
    let result: Answer;
    try {
      result = await answer(path, req);
    } catch (err) {
      deps.log.error({ err, route }, 'request failed');
      result = { status: 500, body: 'internal error; see the load tester log' };
    }
    if (result.refusal) deps.log.info({ route, status: result.status, refusal: result.refusal }, 'request refused');
    send(res, route, result);
  }

  function send(res: ServerResponse, route: string, a: Answer): void {
    metrics.answers.labels(route, String(a.status)).inc();
    res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8' }).end(a.body);
  }

  return { handle, metrics, tasks, dispatcher, threads };
}

/** Starts the load tester on `settings.address:settings.port`. */
export async function startLoadTester(deps: LoadTesterDeps, settings: Settings): Promise<RunningLoadTester> {
  const { handle, metrics, tasks, dispatcher, threads } = createHandler(deps, settings);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.log.error({ err }, 'request failed');
      res.destroy();
    });
  });
  server.requestTimeout = 0; // blocking tasks answer when done (up to --timeout)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.address.includes(':') ? `[${settings.address}]` : settings.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    metrics,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await tasks.stop();
      server.closeAllConnections();
      await closed;
      await dispatcher.close();
      await threads.close();
    },
  };
}
