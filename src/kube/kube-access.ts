/**
 * How the operator reaches the API server: the server's address and, per request, its TLS and
 * credentials. @kubernetes/client-node's KubeConfig does this too, but loading it loads the whole
 * generated API of that package (about 80 MiB of resident memory, more than the rest of the
 * operator at 1,000 canaries), so the operator reads the common cases itself:
 *
 * - in a pod: the ServiceAccount token (re-read as the kubelet rotates it), its CA and
 *   `KUBERNETES_SERVICE_HOST`/`_PORT`;
 * - a kubeconfig whose user has a client certificate and key, a token or a token file, and whose
 *   cluster has a CA (file or data) or `insecure-skip-tls-verify`.
 *
 * Anything else — exec credential plugins (`aws eks get-token`), auth providers, proxies, basic
 * auth — is handed to client-node's KubeConfig, loaded only then. The same search order as kubectl:
 * the given file, else `$KUBECONFIG` (its first file), else `~/.kube/config`, else in-cluster.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { readYamlDocuments } from './yaml-documents.js';

/** What KubeRest needs of a kubeconfig; client-node's KubeConfig has the same two methods. */
export interface KubeAccess {
  getCurrentCluster(): { readonly server: string } | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** How long a token read from a file is used before the file is looked at again. */
const TOKEN_FILE_RECHECK_MS = 60_000;

interface Named<T> {
  readonly name?: string;
  readonly cluster?: T;
  readonly user?: T;
  readonly context?: T;
}
interface ClusterEntry {
  readonly server?: string;
  readonly 'certificate-authority'?: string;
  readonly 'certificate-authority-data'?: string;
  readonly 'insecure-skip-tls-verify'?: boolean;
  readonly 'tls-server-name'?: string;
  readonly 'proxy-url'?: string;
}
interface UserEntry {
  readonly 'client-certificate'?: string;
  readonly 'client-certificate-data'?: string;
  readonly 'client-key'?: string;
  readonly 'client-key-data'?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly exec?: unknown;
  readonly 'auth-provider'?: unknown;
  readonly username?: string;
}
interface KubeconfigFile {
  readonly 'current-context'?: string;
  readonly clusters?: readonly Named<ClusterEntry>[];
  readonly users?: readonly Named<UserEntry>[];
  readonly contexts?: readonly Named<{ readonly cluster?: string; readonly user?: string }>[];
}

/** TLS material and a bearer token, read once (the token file again every minute). */
class PlainAccess implements KubeAccess {
  private token: { value: string; readAt: number; mtimeMs: number } | undefined;

  constructor(
    private readonly server: string,
    private readonly tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>,
    private readonly credential: { readonly token?: string; readonly tokenFile?: string },
  ) {}

  getCurrentCluster(): { readonly server: string } {
    return { server: this.server };
  }

  applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    Object.assign(opts, this.tls);
    const token = this.bearer();
    if (token) opts.headers = { ...(opts.headers as Record<string, string>), authorization: `Bearer ${token}` };
    return Promise.resolve();
  }

  private bearer(): string | undefined {
    const { token, tokenFile } = this.credential;
    if (!tokenFile) return token;
    const now = Date.now();
    if (!this.token || now - this.token.readAt > TOKEN_FILE_RECHECK_MS) {
      const mtimeMs = statSync(tokenFile).mtimeMs;
      const value = this.token?.mtimeMs === mtimeMs ? this.token.value : readFileSync(tokenFile, 'utf8').trim();
      this.token = { value, readAt: now, mtimeMs };
    }
    return this.token.value;
  }
}

/** The kubeconfig file kubectl would use, or undefined for in-cluster. */
function kubeconfigPath(given: string | undefined): string | undefined {
  if (given) return given;
  const fromEnv = process.env.KUBECONFIG?.split(':').find((p) => p !== '');
  if (fromEnv) return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

/** Loads the access described by a kubeconfig file (or the pod's ServiceAccount). */
export async function loadKubeAccess(given?: string): Promise<KubeAccess> {
  const path = kubeconfigPath(given);
  if (!path) return inCluster();
  const plain = fromFile(path);
  if (plain) return plain;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

function inCluster(): KubeAccess {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host || !existsSync(join(SERVICE_ACCOUNT, 'token'))) {
    throw new Error(
      'no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a pod with a ServiceAccount token mounted',
    );
  }
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new PlainAccess(
    server,
    { ca: readFileSync(join(SERVICE_ACCOUNT, 'ca.crt')) },
    { tokenFile: join(SERVICE_ACCOUNT, 'token') },
  );
}

/** The access a kubeconfig file describes, or undefined when it needs what only client-node does. */
function fromFile(path: string): PlainAccess | undefined {
  const [doc] = readYamlDocuments(readFileSync(path, 'utf8'));
  if (!doc || doc.error !== undefined) throw new Error(`kubeconfig ${path}: ${doc?.error ?? 'empty file'}`);
  const config = (doc.value ?? {}) as KubeconfigFile;
  const context = config.contexts?.find((c) => c.name === config['current-context'])?.context;
  if (!context) throw new Error(`kubeconfig ${path}: no context named "${config['current-context'] ?? ''}"`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster "${context.cluster ?? ''}" has no server`);
  if (cluster['proxy-url'] || user.exec || user['auth-provider'] || user.username) return undefined;
  // Relative paths in a kubeconfig are relative to the kubeconfig's folder, as kubectl reads them.
  const near = (p: string) => (isAbsolute(p) ? p : join(dirname(path), p));
  const file = (p: string) => readFileSync(near(p));
  const data = (inline: string | undefined, ref: string | undefined) =>
    inline ? Buffer.from(inline, 'base64') : ref ? file(ref) : undefined;
  const tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'> = {};
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = data(user['client-certificate-data'], user['client-certificate']);
  const key = data(user['client-key-data'], user['client-key']);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (cluster['insecure-skip-tls-verify']) tls.rejectUnauthorized = false;
  if (cluster['tls-server-name']) tls.servername = cluster['tls-server-name'];
  const tokenFile = user.tokenFile && near(user.tokenFile);
  return new PlainAccess(cluster.server, tls, {
    ...(user.token ? { token: user.token } : {}),
    ...(tokenFile ? { tokenFile } : {}),
  });
}
