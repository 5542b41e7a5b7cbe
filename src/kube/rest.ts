import { request } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { KubeAccess } from './kube-access.js';

/** An API server answer: status code and raw body. */
export interface RestResponse {
  readonly status: number;
  readonly body: string;
}

/** The API server's rejection, with its own message (the Status `message`) and HTTP code. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** One request {@link KubeRest} made and the API server's answer, for the operator's metrics. */
export interface ApiRequestRecord {
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  /** The HTTP status, or undefined when no answer came (connection refused, reset). */
  readonly status: number | undefined;
  /** Seconds from sending the request to its answer's headers (or to the error). */
  readonly seconds: number;
}

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/**
 * Plain JSON over HTTPS with a kubeconfig's credentials. Used where @kubernetes/client-node's
 * model serializer gets in the way: it drops fields whose JSON names it does not know (e.g. the
 * `x-kubernetes-*` keys of a CRD schema), and it has no Table output.
 */
export class KubeRest {
  private readonly resources = new Map<string, Promise<readonly ApiResource[]>>();

  constructor(
    private readonly kc: KubeAccess,
    /** Hears every request and its answer (not those the caller aborted). */
    private readonly onRequest?: (record: ApiRequestRecord) => void,
  ) {}

  async request(
    path: string,
    options: {
      method?: string;
      body?: unknown;
      /** The body as JSON text already, sent as it is (instead of `body`). */
      rawBody?: string;
      accept?: string;
      contentType?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<RestResponse> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const opts: Parameters<typeof request>[1] = {
      method: options.method ?? 'GET',
      headers: {
        accept: options.accept ?? 'application/json',
        ...(options.body === undefined && options.rawBody === undefined
          ? {}
          : { 'content-type': options.contentType ?? 'application/json' }),
      },
      ...(options.signal ? { signal: options.signal } : {}),
    };
    await this.kc.applyToHTTPSOptions(opts);
    const heard = this.hear(opts.method ?? 'GET', path, options.signal);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server), opts, (res) => {
        heard(res.statusCode);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (err) => {
        heard(undefined);
        reject(err);
      });
      req.end(options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)));
    });
  }

  /**
   * Opens a watch (`?watch=1`) and calls `onEvent` for each JSON line until the server closes the
   * stream, the signal aborts, or an error occurs. Resolves on a clean end, rejects otherwise.
   * `onOpen` is called once the server has accepted the watch (HTTP 200), before any line.
   */
  async stream(
    path: string,
    onEvent: (event: unknown) => void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const opts: Parameters<typeof request>[1] = { method: 'GET', headers: { accept: 'application/json' }, signal };
    await this.kc.applyToHTTPSOptions(opts);
    const heard = this.hear('GET', path, signal);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server), opts, (res) => {
        heard(res.statusCode);
        if (res.statusCode !== 200) {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            reject(new KubeApiError(res.statusCode ?? 0, statusMessage({ status: res.statusCode ?? 0, body }))),
          );
          return;
        }
        onOpen?.();
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            try {
              if (line) onEvent(JSON.parse(line));
            } catch (err) {
              req.destroy();
              reject(err instanceof Error ? err : new Error(String(err)));
              return;
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      });
      req.on('error', (err) => {
        heard(undefined);
        reject(err);
      });
      req.end();
    });
  }

  /** Reports one request to `onRequest` once: its answer, or no answer unless the caller aborted it. */
  private hear(method: string, path: string, signal: AbortSignal | undefined): (status: number | undefined) => void {
    let told = false;
    const sent = performance.now();
    return (status) => {
      if (told || !this.onRequest || (status === undefined && signal?.aborted)) return;
      told = true;
      this.onRequest({ method, path, status, seconds: (performance.now() - sent) / 1000 });
    };
  }

  /** Like `request`, but a non-2xx answer throws a KubeApiError carrying the server's message. */
  async json<T>(path: string, options: Parameters<KubeRest['request']>[1] = {}): Promise<T> {
    const res = await this.request(path, options);
    if (res.status < 200 || res.status > 299) throw new KubeApiError(res.status, statusMessage(res));
    return JSON.parse(res.body) as T;
  }

  /** The REST path of one object, or of the collection in `namespace` when `name` is omitted. */
  async resourcePath(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const { base, resource } = await this.discover(apiVersion, kind);
    const ns = resource.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
    return `${base}${ns}/${resource.name}${name ? `/${name}` : ''}`;
  }

  /** The collection path of a kind across all namespaces, or in one namespace when given. */
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    const { base, resource } = await this.discover(apiVersion, kind);
    const ns = resource.namespaced && namespace ? `/namespaces/${namespace}` : '';
    return `${base}${ns}/${resource.name}`;
  }

  private async discover(apiVersion: string, kind: string): Promise<{ base: string; resource: ApiResource }> {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list = this.resources.get(apiVersion);
    if (!list) {
      list = this.json<{ resources: ApiResource[] }>(base).then((r) =>
        r.resources.filter((x) => !x.name.includes('/')),
      );
      this.resources.set(apiVersion, list);
      list.catch(() => this.resources.delete(apiVersion));
    }
    const resource = (await list).find((r) => r.kind === kind);
    if (!resource)
      throw new Error(`the API server does not serve kind ${kind} in ${apiVersion} (is its CRD installed?)`);
    return { base, resource };
  }
}

function statusMessage(res: RestResponse): string {
  try {
    const status = JSON.parse(res.body) as { message?: string };
    if (status.message) return status.message;
  } catch {
    /* not a Status object */
  }
  return `HTTP ${res.status}: ${res.body.slice(0, 500)}`;
}
