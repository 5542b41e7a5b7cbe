/**
 * Reads what `serin check` needs from the API server with plain GETs (no watches: one look is all
 * a check needs, and a list+watch cache would retry a forbidden list forever). Every outcome is a
 * value: found (in the cluster, or only in one of the `-f` files), missing, or unknown with the
 * reason and fix — a forbidden read names the permission it lacks.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { objectKey, type KubeObject, type ObjectRef } from '../kube/objects.js';
import { KubeApiError, KubeRest } from '../kube/rest.js';
import type { FileObject } from './inputs.js';

/** What a read found. `from` is `cluster`, or the file the object was found in instead. */
export type Lookup<T = KubeObject> =
  | { readonly kind: 'found'; readonly object: T; readonly from: string }
  | { readonly kind: 'missing' }
  | {
      readonly kind: 'unknown';
      /** `cannot check <object>: <reason>`. */
      readonly message: string;
      /** Why it could not be read, e.g. `forbidden (…)`. */
      readonly reason: string;
      readonly fix: string;
    };

/** Why something could not be read, and what to do. */
export interface ReadFailure {
  readonly message: string;
  readonly reason: string;
  readonly fix: string;
}

/** The reads the checks make (a port, so checks can be tested without a cluster). */
export interface ObjectReader {
  /** Reads one object; a missing one is looked up in the `-f` files. */
  get<T = KubeObject>(ref: ObjectRef): Promise<Lookup<T>>;
  /** Kinds served in `apiVersion`; empty when the group version is not served. */
  servedKinds(apiVersion: string): Promise<{ ok: true; kinds: ReadonlySet<string> } | ({ ok: false } & ReadFailure)>;
}

/** A resource the API server serves. */
interface ServedResource {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** Settings of {@link KubeReader}. */
export interface KubeReaderOptions {
  /** Timeout of each request to the API server, ms. Default 10 000. */
  readonly timeoutMs?: number;
}

/** Found in the cluster (as opposed to a file). */
export const FROM_CLUSTER = 'cluster';

/** GETs with outcomes as values; each object is read once per run. */
export class KubeReader implements ObjectReader {
  private readonly rest: KubeRest;
  private readonly timeoutMs: number;
  private readonly served = new Map<string, Promise<Map<string, ServedResource> | undefined>>();
  private readonly reads = new Map<string, Promise<Lookup>>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly files: readonly FileObject[],
    options: KubeReaderOptions = {},
  ) {
    this.rest = new KubeRest(kc);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** `scheme://host:port` of the API server (never a path). */
  server(): string {
    const server = this.kc.getCurrentCluster()?.server ?? '';
    try {
      return new URL(server).origin;
    } catch {
      return server;
    }
  }

  /** The API server's version (`v1.36.3`), or why it cannot be reached. */
  async version(): Promise<{ ok: true; version: string } | ({ ok: false } & ReadFailure)> {
    try {
      const info = await this.rest.json<{ gitVersion?: string }>('/version', { signal: this.signal() });
      return { ok: true, version: info.gitVersion ?? 'unknown version' };
    } catch (err) {
      const failure = this.failure(err, 'the API server');
      return { ok: false, ...failure, message: failure.reason };
    }
  }

  /**
   * Kinds served in `apiVersion` (e.g. `appmesh.k8s.aws/v1beta2`): an empty set when the group
   * version is not served at all; an error when the API server cannot tell.
   */
  async servedKinds(
    apiVersion: string,
  ): Promise<{ ok: true; kinds: ReadonlySet<string> } | ({ ok: false } & ReadFailure)> {
    try {
      return { ok: true, kinds: new Set((await this.discover(apiVersion))?.keys() ?? []) };
    } catch (err) {
      return { ok: false, ...this.failure(err, `the API group ${apiVersion}`) };
    }
  }

  /** Reads one object; a missing one is looked up in the `-f` files (by kind, namespace and name). */
  get<T = KubeObject>(ref: ObjectRef): Promise<Lookup<T>> {
    const key = `${ref.apiVersion}/${ref.kind}/${objectKey(ref.namespace, ref.name)}`;
    let read = this.reads.get(key);
    if (!read) this.reads.set(key, (read = this.read(ref)));
    return read as Promise<Lookup<T>>;
  }

  private async read(ref: ObjectRef): Promise<Lookup> {
    const what = `${ref.kind} ${objectKey(ref.namespace, ref.name)}`;
    let path: string;
    try {
      const resource = (await this.discover(ref.apiVersion))?.get(ref.kind);
      if (!resource) {
        const reason = `the API server does not serve ${ref.kind} in ${ref.apiVersion}`;
        const fix = `install the CRD that defines ${ref.kind} (${ref.apiVersion})`;
        return { kind: 'unknown', message: `cannot check ${what}: ${reason}`, reason, fix };
      }
      const ns = resource.namespaced ? `/namespaces/${ref.namespace ?? 'default'}` : '';
      path = `${apiBase(ref.apiVersion)}${ns}/${resource.plural}/${ref.name}`;
    } catch (err) {
      return { kind: 'unknown', ...this.failure(err, what) };
    }
    try {
      const object = await this.rest.json<KubeObject>(path, { signal: this.signal() });
      return { kind: 'found', object: { ...object, apiVersion: ref.apiVersion, kind: ref.kind }, from: FROM_CLUSTER };
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return this.fromFiles(ref);
      return { kind: 'unknown', ...this.failure(err, what, path, ref.namespace) };
    }
  }

  private fromFiles(ref: ObjectRef): Lookup {
    const match = this.files.find(
      ({ object: o }) =>
        o.kind === ref.kind && o.metadata.name === ref.name && (o.metadata.namespace ?? '') === (ref.namespace ?? ''),
    );
    return match ? { kind: 'found', object: match.object, from: match.file } : { kind: 'missing' };
  }

  private discover(apiVersion: string): Promise<Map<string, ServedResource> | undefined> {
    let found = this.served.get(apiVersion);
    if (!found) {
      found = this.rest
        .json<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(apiBase(apiVersion), {
          signal: this.signal(),
        })
        .then(
          (list) =>
            new Map(
              list.resources
                .filter((r) => !r.name.includes('/'))
                .map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }]),
            ),
          (err: unknown) => {
            if (err instanceof KubeApiError && err.status === 404) return undefined;
            throw err;
          },
        );
      this.served.set(apiVersion, found);
    }
    return found;
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.timeoutMs);
  }

  /** Words a failed request: forbidden (with the permission), unauthorized, unreachable, timeout. */
  private failure(err: unknown, what: string, path?: string, namespace?: string): ReadFailure {
    const { reason, fix } = this.explain(err, path, namespace);
    return { message: `cannot check ${what}: ${reason}`, reason, fix };
  }

  private explain(err: unknown, path?: string, namespace?: string): { reason: string; fix: string } {
    if (err instanceof KubeApiError) {
      if (err.status === 403) {
        const resource = path ? resourceOf(path) : 'it';
        const where = namespace ? ` in namespace ${namespace}` : '';
        const canI = `kubectl auth can-i get ${resource}${namespace ? ` -n ${namespace}` : ''}`;
        return {
          reason: `forbidden (the kubeconfig's user may not get ${resource}${where})`,
          fix: `grant "get" on ${resource}${where} (RBAC Role or ClusterRole), or use a kubeconfig that has it; test with: ${canI}`,
        };
      }
      if (err.status === 401) {
        return {
          reason: `the API server at ${this.server()} refused the kubeconfig's credentials (401 Unauthorized)`,
          fix: 'renew the credentials of the kubeconfig (or pick another context)',
        };
      }
      return { reason: `the API server answered ${err.status}: ${err.message}`, fix: '' };
    }
    const error = err as NodeJS.ErrnoException;
    const timedOut = error.name === 'TimeoutError' || error.name === 'AbortError';
    const cause = timedOut ? `no answer within ${this.timeoutMs / 1000}s` : (error.code ?? error.message);
    return {
      reason: `the API server at ${this.server()} is unreachable (${cause})`,
      fix: 'check --kubeconfig and its current context, and that the API server is reachable from here',
    };
  }
}

function apiBase(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** `deployments.apps` from `/apis/apps/v1/namespaces/ns/deployments/x`; `secrets` from `/api/v1/…`. */
function resourceOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  const core = parts[0] === 'api';
  const rest = parts.slice(core ? 2 : 3);
  const plural = rest[0] === 'namespaces' && rest.length > 2 ? rest[2] : rest[0];
  return core ? (plural ?? '') : `${plural ?? ''}.${parts[1] ?? ''}`;
}
