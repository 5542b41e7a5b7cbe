/**
 * Where generated load may go (`--allow-target`), so the load tester cannot be made an open proxy.
 * The default, `cluster`, allows Kubernetes Service names only — `svc.ns`, `svc.ns.svc`,
 * `svc.ns.svc.<cluster-domain>`, and a bare `svc` when the load tester knows its own namespace —
 * and connects to the fully qualified name, so `example.com` is looked up as
 * `example.com.svc.cluster.local` and never leaves the cluster. Other patterns: an exact host
 * (`api.example.com`, `127.0.0.1`, `[::1]`) or every subdomain (`*.example.com`), each optionally
 * with `:port`; those hosts are connected to as written.
 */
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';

/** One `--allow-target` pattern. */
export type TargetRule =
  | { readonly kind: 'cluster' }
  | { readonly kind: 'host'; readonly host: string; readonly port?: number | undefined }
  | { readonly kind: 'suffix'; readonly suffix: string; readonly port?: number | undefined };

/** The pattern, or what is wrong with it. */
export type TargetRuleParse =
  { readonly ok: true; readonly rule: TargetRule } | { readonly ok: false; readonly reason: string };

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i;

/** Reads one `--allow-target` pattern: `cluster`, `host[:port]` or `*.domain[:port]`. */
export function parseTargetRule(text: string): TargetRuleParse {
  if (text === 'cluster') return { ok: true, rule: { kind: 'cluster' } };
  const match = HOST_PORT.exec(text.trim().toLowerCase());
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  const host = match?.[1]?.replace(/^\[(.*)\]$/, '$1') ?? '';
  const bad = (why: string): TargetRuleParse => ({
    ok: false,
    reason: `"${text}" ${why}; use cluster, a host like api.example.com or 127.0.0.1, or *.example.com, each with an optional :port`,
  });
  if (!match || host === '') return bad('is not a host pattern');
  if (port !== undefined && !(port >= 1 && port <= 65535)) return bad(`has port ${port} outside 1..65535`);
  if (host.startsWith('*.')) {
    const suffix = host.slice(2);
    if (!suffix.split('.').every((l) => LABEL.test(l))) return bad('has a domain that is not DNS labels');
    return { ok: true, rule: { kind: 'suffix', suffix, port } };
  }
  if (host.includes('*')) return bad('has a * that is not a whole first label');
  if (isIP(host) === 0 && !host.split('.').every((l) => LABEL.test(l))) return bad('is not a host name or IP address');
  return { ok: true, rule: { kind: 'host', host, port } };
}

/** What the policy says of a URL: the host to connect to, or why not. */
export type TargetDecision =
  { readonly ok: true; readonly connectHost: string } | { readonly ok: false; readonly reason: string };

/** Settings of a {@link TargetPolicy}. */
export interface TargetPolicyOptions {
  readonly rules: readonly TargetRule[];
  /** The cluster's DNS domain. Default `cluster.local`. */
  readonly clusterDomain: string;
  /** The load tester's own namespace, for bare Service names; unset: bare names are refused. */
  readonly namespace?: string | undefined;
}

/** Decides which URLs generated load may go to, and which name to connect to for each. */
export class TargetPolicy {
  constructor(private readonly options: TargetPolicyOptions) {}

  /** The decision for `url` (http or https only). */
  check(url: URL): TargetDecision {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { ok: false, reason: `target ${url.protocol}// is not http:// or https://` };
    }
    const host = url.hostname
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '')
      .toLowerCase();
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    for (const rule of this.options.rules) {
      const connectHost = this.match(rule, host, port);
      if (connectHost !== undefined) return { ok: true, connectHost };
    }
    return {
      ok: false,
      reason: `target host ${JSON.stringify(host)} is not allowed (${this.describe()}); ${this.hint(host)}`,
    };
  }

  /** The name connections to `host` go to: the cluster name for Service names, `host` itself otherwise. */
  connectHost(host: string, port: number): string {
    const bare = host.replace(/\.$/, '').toLowerCase();
    for (const rule of this.options.rules) {
      const name = this.match(rule, bare, port);
      if (name !== undefined) return name;
    }
    return host;
  }

  private match(rule: TargetRule, host: string, port: number): string | undefined {
    if (rule.kind === 'cluster') return this.clusterName(host);
    if (rule.port !== undefined && rule.port !== port) return undefined;
    if (rule.kind === 'host') return rule.host === host ? host : undefined;
    return host.endsWith(`.${rule.suffix}`) ? host : undefined;
  }

  /** The fully qualified Service name of `host`, when it is a Service name. */
  private clusterName(host: string): string | undefined {
    if (isIP(host) !== 0) return undefined;
    const labels = host.split('.');
    if (!labels.every((l) => LABEL.test(l))) return undefined;
    const domain = this.options.clusterDomain;
    const [svc, ns] = labels;
    if (labels.length === 1)
      return this.options.namespace ? `${svc}.${this.options.namespace}.svc.${domain}` : undefined;
    if (labels.length === 2) return `${svc}.${ns}.svc.${domain}`;
    if (labels.length === 3 && labels[2] === 'svc') return `${host}.${domain}`;
    return host === `${svc}.${ns}.svc.${domain}` ? host : undefined;
  }

  private describe(): string {
    return `--allow-target ${this.options.rules.map((r) => (r.kind === 'cluster' ? 'cluster' : r.kind === 'host' ? r.host : `*.${r.suffix}`)).join(',')}`;
  }

  private hint(host: string): string {
    const cluster = this.options.rules.some((r) => r.kind === 'cluster');
    if (cluster && !host.includes('.') && isIP(host) === 0) {
      return 'write the Service as <service>.<namespace>, or start the load tester with --namespace';
    }
    return `send to a Service in the cluster (<service>.<namespace>), or allow this host with --allow-target ${host}`;
  }
}

/**
 * Where connections to some fully qualified names really go (name → address and port). Empty in
 * production: the system resolver looks every name up. Tests stand in for cluster DNS with it. A
 * table rather than a function, so that load threads get it too.
 */
export type Routes = Readonly<Record<string, { readonly host: string; readonly port: number }>>;

/**
 * The dispatcher of all generated requests: connections go to the policy's name for each host
 * (then through `routes`), while the Host header and TLS server name stay as the URL wrote them.
 */
export function loadDispatcher(policy: TargetPolicy, routes: Routes = {}): Dispatcher {
  // HTTP/1.1 only, as hey speaks it (undici 8 would otherwise take HTTP/2 when a TLS server offers it).
  const connect = buildConnector({ allowH2: false });
  return new Agent({
    allowH2: false,
    connect: (options, callback) => {
      const port = Number(options.port || (options.protocol === 'https:' ? 443 : 80));
      const name = policy.connectHost(options.hostname, port);
      const to = Object.hasOwn(routes, name) ? routes[name]! : { host: name, port };
      connect({ ...options, hostname: to.host, port: String(to.port) }, callback);
    },
  });
}
