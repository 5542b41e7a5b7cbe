/**
 * Are the Canary's webhooks reachable, without triggering them? For each hook: resolve the URL's
 * host and open a TCP connection to host:port within the hook's timeout, then close it — the HTTP
 * request is never sent (a rollout hook may start a load test). Only host:port is ever printed:
 * paths and queries can carry tokens. A name that resolves only inside the cluster
 * (`svc.ns`, `svc.ns.svc.cluster.local`) is looked up as a Service instead.
 */
import type { Canary, CanaryWebhook } from '../api/index.js';
import { badHookTimeout, hookTimeoutMs } from '../hooks/webhook.js';
import type { ObjectReader } from './kube-reader.js';
import { fail, pass, warn, type CheckLine } from './report.js';
import { Reachability, type ProbeResult, type TcpProbe } from './tcp-probe.js';

/** Ports of {@link webhookChecks}. */
export interface WebhookCheckDeps {
  readonly probe: TcpProbe;
  /** Looks up in-cluster Service names that do not resolve from here; none without a cluster. */
  readonly reader?: ObjectReader;
}

interface Target {
  readonly host: string;
  readonly port: number;
  /** `host:port` as printed (IPv6 in brackets). */
  readonly address: string;
}

/** One line per webhook of the Canary, in spec order. */
export async function webhookChecks(
  canary: Canary,
  deps: WebhookCheckDeps,
  signal?: AbortSignal,
): Promise<CheckLine[]> {
  const hooks = canary.spec.analysis?.webhooks ?? [];
  return Promise.all(hooks.map((hook) => checkHook(canary, hook, deps, signal)));
}

async function checkHook(
  canary: Canary,
  hook: CanaryWebhook,
  deps: WebhookCheckDeps,
  signal?: AbortSignal,
): Promise<CheckLine> {
  const label = `${hook.name} (${hook.type || 'rollout'})`;
  const target = targetOf(hook.url);
  if (typeof target === 'string') {
    return fail(`${label}: url ${target}`, 'set url to an http:// or https:// URL', { hook: hook.name });
  }
  const timeoutMs = hookTimeoutMs(hook.timeout);
  if (timeoutMs === undefined) {
    return fail(`${label}: ${badHookTimeout(hook)}`, 'set timeout to a duration like 500ms, 30s or 1m30s', {
      hook: hook.name,
    });
  }
  const result = await deps.probe(target.host, target.port, timeoutMs, signal);
  const data = { hook: hook.name, type: hook.type || 'rollout', address: target.address, outcome: result.outcome };
  const where = `${label} → ${target.address}`;
  switch (result.outcome) {
    case Reachability.Reachable:
      return pass(`${where} reachable`, data);
    case Reachability.Refused:
      return fail(`${where}: connection refused`, "start the hook's server, or correct the port in its url", data);
    case Reachability.Timeout:
      return fail(
        `${where}: no TCP connection within ${timeoutMs / 1000}s (the hook's timeout)${result.code === 'DNS lookup' ? ' — the name lookup did not finish' : ''}`,
        'check the host and the network path (firewalls, security groups); the operator would time out the same way',
        data,
      );
    case Reachability.DnsFailure:
      return dnsFailure(canary, where, target, result, deps, data);
    case Reachability.Unreachable:
      return fail(`${where}: unreachable (${result.code ?? 'no route'})`, 'check the host and the network path', data);
  }
}

async function dnsFailure(
  canary: Canary,
  where: string,
  target: Target,
  result: ProbeResult,
  deps: WebhookCheckDeps,
  data: Readonly<Record<string, string>>,
): Promise<CheckLine> {
  const plain = fail(
    `${where}: DNS failure (${result.code ?? 'ENOTFOUND'}): the name does not resolve from here`,
    'correct the host in its url',
    data,
  );
  const service = inClusterService(target.host, canary.metadata?.namespace ?? 'default');
  if (!service || !deps.reader) return plain;
  const found = await deps.reader.get<{ spec?: { ports?: { port: number }[] } }>({
    apiVersion: 'v1',
    kind: 'Service',
    ...service,
  });
  const svc = `Service ${service.namespace}/${service.name}`;
  if (found.kind === 'missing') {
    return service.explicit
      ? fail(`${where}: DNS failure, and no ${svc} exists in the cluster`, `create ${svc}, or correct the host`, data)
      : plain;
  }
  if (found.kind === 'unknown') return service.explicit ? fail(`${where}: ${found.message}`, found.fix, data) : plain;
  const ports = found.object.spec?.ports?.map((p) => p.port) ?? [];
  if (!ports.includes(target.port)) {
    return fail(
      `${where}: ${svc} exists but has no port ${target.port} (it has ${ports.join(', ') || 'none'})`,
      `correct the port in the hook's url, or add port ${target.port} to ${svc}`,
      data,
    );
  }
  return warn(
    `${where}: resolves only inside the cluster; ${svc} exists with port ${target.port} (not connected from here)`,
    'to test the connection too, run serin check from inside the cluster',
    { ...data, outcome: 'in-cluster-service' },
  );
}

/** host and port of an http(s) URL, or why it is not one (never quoting the URL). */
function targetOf(url: string): Target | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `has scheme ${parsed.protocol.replace(/:$/, '')}; webhooks are http or https`;
  }
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, address: `${parsed.hostname}:${port}` };
}

/**
 * The Service a cluster-internal name points at: `svc` (the Canary's namespace), `svc.ns`, or
 * `svc.ns.svc[.cluster.local]` (`explicit`: certainly meant as a Service).
 */
function inClusterService(
  host: string,
  canaryNamespace: string,
): { name: string; namespace: string; explicit: boolean } | undefined {
  const labels = host.toLowerCase().split('.');
  const [name, namespace] = labels;
  if (!name || !/^[a-z0-9-]+$/.test(name)) return undefined;
  if (labels.length === 1) return { name, namespace: canaryNamespace, explicit: false };
  if (!namespace) return undefined;
  if (labels.length === 2) return { name, namespace, explicit: false };
  return labels[2] === 'svc' ? { name, namespace, explicit: true } : undefined;
}
