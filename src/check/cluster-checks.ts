/**
 * The cluster half of `serin check` for one Canary: the namespace, the routing provider's API, the
 * target Deployment (selector label, the ConfigMaps and Secrets its pods need), the autoscaler, the
 * MetricTemplates (and their Secrets) and the AlertProviders it references. Problems are worded as
 * the operator words them when it meets them, with the fix.
 */
import { FLAGGER_API_VERSION, type Canary } from '../api/index.js';
import { METRIC_TEMPLATE_GVK, SECRET_GVK } from '../metrics/analyzer.js';
import type { KubeObject, ObjectRef } from '../kube/objects.js';
import { describeProvider, type ProviderRegistry } from '../routers/registry.js';
import type { TargetRegistry } from '../targets/registry.js';
import { scanConfigRefs } from '../targets/config-refs.js';
import { DEFAULT_SELECTOR_LABELS } from '../targets/deployment.js';
import { missingHpa, unsupportedAutoscaler } from '../targets/autoscaler.js';
import { missingScaledObject, scaledObjectsNotServed } from '../targets/keda.js';
import { CONFIG_MAP, DEPLOYMENT, HPA, SCALED_OBJECT, type Deployment } from '../targets/kube-types.js';
import { FROM_CLUSTER, type ObjectReader, type Lookup } from './kube-reader.js';
import { fail, pass, warn, type CheckLine } from './report.js';
import type { SnapshotCluster } from './snapshot-cluster.js';
import { Reachability, type TcpProbe } from './tcp-probe.js';
import { secretData } from '../kube/secrets.js';
import type { AlertProvider } from '../api/index.js';

/** Ports of {@link clusterChecks}. */
export interface ClusterCheckDeps {
  readonly reader: ObjectReader;
  /** Receives every MetricTemplate and Secret read, for the metrics analyzer. */
  readonly snapshot: SnapshotCluster;
  /** Opens a TCP connection to an AlertProvider's address (no request); without it, not checked. */
  readonly probe?: TcpProbe;
}

/** Settings of {@link clusterChecks}. */
export interface ClusterCheckOptions {
  /** The routing providers, with the default of Canaries that name none (`--mesh-provider`). */
  readonly providers: ProviderRegistry;
  /** The workload kinds Serin releases. */
  readonly targets: TargetRegistry;
}

const ALERT_PROVIDER_GVK = { apiVersion: FLAGGER_API_VERSION, kind: 'AlertProvider' } as const;

/** Runs the cluster checks of one Canary. */
export async function clusterChecks(
  canary: Canary,
  deps: ClusterCheckDeps,
  options: ClusterCheckOptions,
): Promise<CheckLine[]> {
  const namespace = canary.metadata?.namespace ?? 'default';
  const ns = await deps.reader.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (ns.kind === 'missing') {
    return [
      fail(
        `namespace ${namespace} does not exist`,
        `create it (kubectl create namespace ${namespace}), or set metadata.namespace / -n to the namespace the Canary is meant for`,
      ),
    ];
  }
  const groups = await Promise.all([
    providerChecks(canary, deps.reader, options),
    targetChecks(canary, deps.reader, options.targets),
    autoscalerChecks(canary, deps.reader),
    templateChecks(canary, deps),
    alertChecks(canary, deps),
  ]);
  return groups.flat();
}

async function providerChecks(
  canary: Canary,
  reader: ObjectReader,
  options: ClusterCheckOptions,
): Promise<CheckLine[]> {
  const provider = options.providers.resolve(canary);
  const named = describeProvider(provider);
  const plugin = provider.plugin;
  if (!plugin?.createRouter) {
    return [
      fail(
        `${named} is not supported by this Serin`,
        provider.isDefault
          ? `set spec.provider to ${options.providers.routable().join(' or ')}, or run the operator with that --mesh-provider`
          : `set spec.provider to ${options.providers.routable().join(' or ')}, or run a Serin that supports ${provider.name}`,
      ),
    ];
  }
  const unable = options.providers.featureProblem(canary);
  const lines: CheckLine[] = unable ? [fail(unable.message, unable.fix)] : [];
  if (plugin.kinds.length === 0) lines.push(pass(`${named} needs no routing objects (blue/green by Services)`));
  for (const parent of plugin.parents?.(canary) ?? []) {
    const found = await reader.get(parent);
    const what = `${parent.kind} ${parent.namespace ?? ''}/${parent.name}`;
    lines.push(
      found.kind === 'found'
        ? exists(found, `${what} exists (the HTTPRoute's parent)`)
        : absent(found, `${what} not found`, 'create it, or correct spec.service.gatewayRefs'),
    );
  }
  for (const apiVersion of new Set(plugin.kinds.map((k) => k.apiVersion))) {
    const api = plugin.api ?? `API ${apiVersion}`;
    const served = await reader.servedKinds(apiVersion);
    if (!served.ok) return [fail(served.message, served.fix)];
    const missing = plugin.kinds.filter((k) => k.apiVersion === apiVersion && !served.kinds.has(k.kind));
    if (missing.length === 0) {
      lines.push(pass(`${api} is served (${named})`));
      continue;
    }
    lines.push(
      fail(
        `${named} needs the ${api}, which does not serve ${missing.map((k) => k.kind).join(', ')}`,
        `install the CRDs of ${apiVersion} in the cluster, or choose another provider`,
      ),
    );
  }
  return lines;
}

async function targetChecks(canary: Canary, reader: ObjectReader, targets: TargetRegistry): Promise<CheckLine[]> {
  const namespace = canary.metadata?.namespace ?? 'default';
  const { kind, name } = canary.spec.targetRef;
  if (!targets.serves(kind)) {
    const problem = targets.unsupported(canary);
    return [fail(problem.message, problem.fix)];
  }
  const gvk = targets.gvkOf(kind) ?? DEPLOYMENT;
  const lower = kind.toLowerCase();
  const found = await reader.get<Deployment>({ ...gvk, namespace, name });
  if (found.kind !== 'found') {
    return [
      absent(found, `${lower} ${namespace}/${name} not found`, `create the ${kind}, or correct spec.targetRef.name`),
    ];
  }
  const target = found.object;
  const matchLabels = target.spec?.selector?.matchLabels ?? {};
  const key = DEFAULT_SELECTOR_LABELS.find((k) => matchLabels[k] !== undefined);
  const labels = DEFAULT_SELECTOR_LABELS;
  const label = key
    ? exists(found, `${kind} ${namespace}/${name} exists; selector label ${key}=${matchLabels[key] ?? ''}`)
    : fail(
        `${lower} ${namespace}/${name} spec.selector.matchLabels must contain one of [${labels.join(' ')}]`,
        `add one of ${labels.join(', ')} to the ${kind}'s selector and pod labels`,
      );
  const pod = target.spec?.template?.spec ?? {};
  const configs = await Promise.all(
    scanConfigRefs(pod)
      .filter((ref) => !ref.optional)
      .map(async (ref): Promise<CheckLine> => {
        const configGvk = ref.kind === 'configmap' ? CONFIG_MAP : SECRET_GVK;
        const config = await reader.get({ ...configGvk, namespace, name: ref.name });
        if (config.kind === 'found') {
          return exists(config, `${configGvk.kind} ${namespace}/${ref.name} exists (used by the ${kind}'s pods)`);
        }
        return absent(
          config,
          `${ref.kind} ${namespace}/${ref.name} referenced by ${lower} ${namespace}/${name} not found`,
          `create ${configGvk.kind} ${namespace}/${ref.name}, or mark the reference optional: true, or correct its name in the pod template`,
        );
      }),
  );
  return [label, ...configs];
}

async function autoscalerChecks(canary: Canary, reader: ObjectReader): Promise<CheckLine[]> {
  const ref = canary.spec.autoscalerRef;
  if (!ref) return [];
  const namespace = canary.metadata?.namespace ?? 'default';
  const scaler = ref.kind === SCALED_OBJECT.kind ? SCALED_OBJECT : ref.kind === HPA.kind ? HPA : undefined;
  if (!scaler) {
    const problem = unsupportedAutoscaler(namespace, canary.metadata?.name ?? '', ref.kind);
    return [fail(problem.message, problem.fix)];
  }
  if (scaler === SCALED_OBJECT) {
    const served = await reader.servedKinds(SCALED_OBJECT.apiVersion);
    if (!served.ok || !served.kinds.has(SCALED_OBJECT.kind)) {
      const problem = scaledObjectsNotServed(namespace, ref.name);
      return [fail(problem.message, problem.fix)];
    }
  }
  const found = await reader.get<{ spec?: { scaleTargetRef?: { kind?: string; name?: string } } }>({
    ...scaler,
    namespace,
    name: ref.name,
  });
  if (found.kind !== 'found') {
    const problem = scaler === HPA ? missingHpa(namespace, ref.name) : missingScaledObject(namespace, ref.name);
    return [absent(found, problem.message, problem.fix)];
  }
  const scaled = found.object.spec?.scaleTargetRef;
  const target = canary.spec.targetRef.name;
  const lines = [exists(found, `${scaler.kind} ${namespace}/${ref.name} exists (${scaler.apiVersion})`)];
  if (scaled && ((scaled.kind ?? 'Deployment') !== 'Deployment' || scaled.name !== target)) {
    lines.push(
      warn(
        `${scaler.kind} ${namespace}/${ref.name} scales ${scaled.kind ?? 'Deployment'} ${scaled.name}, not the target Deployment ${target}`,
        `point its scaleTargetRef at Deployment ${target}`,
      ),
    );
  }
  return lines;
}

async function templateChecks(canary: Canary, deps: ClusterCheckDeps): Promise<CheckLine[]> {
  const namespace = canary.metadata?.namespace ?? 'default';
  const refs = new Map<string, ObjectRef>();
  for (const metric of canary.spec.analysis?.metrics ?? []) {
    if (!metric.templateRef) continue;
    const ref = {
      ...METRIC_TEMPLATE_GVK,
      namespace: metric.templateRef.namespace || namespace,
      name: metric.templateRef.name,
    };
    refs.set(`${ref.namespace}/${ref.name}`, ref);
  }
  const lines = await Promise.all(
    [...refs.values()].map(async (ref): Promise<CheckLine[]> => {
      const found = await deps.reader.get<KubeObject>(ref);
      deps.snapshot.remember(ref, found);
      const what = `MetricTemplate ${ref.namespace ?? ''}/${ref.name}`;
      if (found.kind !== 'found') {
        const fix = `create it in namespace ${ref.namespace ?? ''}, or point templateRef at an existing MetricTemplate`;
        return [absent(found, `${what} not found`, fix)];
      }
      const provider = (
        found.object.spec as { provider?: { type?: string; secretRef?: { name?: string } } } | undefined
      )?.provider;
      const line = exists(found, `${what} exists (provider ${provider?.type ?? 'unset'})`);
      const secret = provider?.secretRef?.name;
      return secret ? [line, await secretCheck(deps, ref.namespace ?? '', secret, what)] : [line];
    }),
  );
  return lines.flat();
}

async function alertChecks(canary: Canary, deps: ClusterCheckDeps): Promise<CheckLine[]> {
  const namespace = canary.metadata?.namespace ?? 'default';
  const alerts = canary.spec.analysis?.alerts ?? [];
  const groups = await Promise.all(
    alerts.map(async (alert, i): Promise<CheckLine[]> => {
      const ref = {
        ...ALERT_PROVIDER_GVK,
        namespace: alert.providerRef.namespace || namespace,
        name: alert.providerRef.name,
      };
      const what = `AlertProvider ${ref.namespace}/${ref.name} (alert ${alert.name})`;
      const found = await deps.reader.get<AlertProvider>(ref);
      if (found.kind !== 'found') {
        const fix = `create it in namespace ${ref.namespace}, or correct analysis.alerts[${i}].providerRef`;
        return [absent(found, `${what} not found`, fix)];
      }
      const reach = deps.probe ? await alertReachability(found.object, ref.namespace ?? namespace, deps) : undefined;
      return [exists(found, `${what} exists`), ...(reach ? [reach] : [])];
    }),
  );
  return groups.flat();
}

/**
 * Can the chat service (or the provider's proxy) be reached? A TCP connection to host:port, closed at
 * once: no message is posted. Only host:port is printed — webhook URLs carry secrets.
 */
async function alertReachability(
  provider: AlertProvider,
  namespace: string,
  deps: ClusterCheckDeps,
): Promise<CheckLine | undefined> {
  const name = `AlertProvider ${namespace}/${provider.metadata?.name ?? ''}`;
  let address = provider.spec.address;
  const secretName = provider.spec.secretRef?.name;
  if (secretName) {
    const secret = await deps.reader.get({ ...SECRET_GVK, namespace, name: secretName });
    if (secret.kind === 'missing') {
      return fail(
        `secret ${namespace}/${secretName} of ${name} not found`,
        'create it with the key "address" (the webhook URL)',
      );
    }
    if (secret.kind !== 'found') return undefined; // unreadable: reported as such elsewhere, nothing to probe
    address = secretData(secret.object).address;
    if (!address) {
      return fail(
        `secret ${namespace}/${secretName} of ${name} has no key "address"`,
        'add the webhook URL under "address"',
      );
    }
  }
  const via = provider.spec.proxy;
  const url = via ?? address;
  if (!url || !URL.canParse(url)) {
    return fail(
      `${name}: ${via ? 'proxy' : 'address'} is ${url ? 'not a URL' : 'empty'}`,
      `set ${via ? 'spec.proxy' : 'spec.address (or the Secret key "address")'} to an http(s) URL`,
    );
  }
  const parsed = new URL(url);
  const port = Number(parsed.port) || (parsed.protocol === 'http:' ? 80 : 443);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const where = `${name} (${provider.spec.type}) → ${parsed.host}${parsed.port ? '' : `:${port}`}${via ? ' (proxy)' : ''}`;
  const result = await deps.probe!(host, port, 5000);
  if (result.outcome === Reachability.Reachable) return pass(`${where} reachable (no message sent)`);
  const why =
    result.outcome === Reachability.Refused
      ? 'connection refused'
      : result.outcome === Reachability.Timeout
        ? 'no TCP connection within 5s (the alert timeout)'
        : result.outcome === Reachability.DnsFailure
          ? `DNS failure (${result.code ?? 'ENOTFOUND'})`
          : `unreachable (${result.code ?? 'no route'})`;
  return fail(
    `${where}: ${why}`,
    'alerts would not be delivered: check the address and the network path from the operator',
  );
}

async function secretCheck(deps: ClusterCheckDeps, namespace: string, name: string, user: string): Promise<CheckLine> {
  const ref = { ...SECRET_GVK, namespace, name };
  const found = await deps.reader.get(ref);
  deps.snapshot.remember(ref, found);
  if (found.kind === 'found') return exists(found, `Secret ${namespace}/${name} of ${user} exists`);
  return absent(
    found,
    `secret ${namespace}/${name} of ${user} not found`,
    `create it in the template's namespace ${namespace}`,
  );
}

/** A found object: pass when in the cluster; a warning when only in a `-f` file. */
function exists(found: Extract<Lookup<unknown>, { kind: 'found' }>, message: string): CheckLine {
  if (found.from === FROM_CLUSTER) return pass(message);
  return warn(
    `${message.replace(/ exists\b/, ' is not in the cluster yet')}; found in ${found.from}`,
    `apply ${found.from} before or with the Canary`,
  );
}

/** A missing object (the operator's words) or one that could not be read (why, and the fix). */
function absent(found: Exclude<Lookup<unknown>, { kind: 'found' }>, missing: string, fix: string): CheckLine {
  return found.kind === 'missing' ? fail(missing, fix) : fail(found.message, found.fix);
}
