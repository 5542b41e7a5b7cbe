/**
 * Sends the engine's alerts to chat (Flagger's notifiers, spec §10): to the AlertProviders named in
 * the Canary's `analysis.alerts`, filtered by severity, or — when the Canary names none — to the
 * operator's global notifier (`--slack-url` / `--msteams-url`). A failed send is reported, never
 * thrown: an alert must not stop a release.
 */
import {
  ALERT_PROVIDER_KIND,
  FLAGGER_API_VERSION,
  type AlertProvider,
  type Canary,
  type CanaryAlert,
} from '../api/index.js';
import { analysisThreshold, progressDeadlineSeconds } from '../engine/index.js';
import { KubeWriteError, type Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../kube/objects.js';
import { ReferenceReader } from '../kube/reference-reader.js';
import { secretData } from '../kube/secrets.js';
import { chatRequest, type AlertMessage, type ChatRequest, type ChatTarget, type Severity } from './payloads.js';

/** POSTs one request; resolves with the status and body, rejects on a connection error or timeout. */
export type PostJson = (
  request: ChatRequest,
  options: { readonly proxy?: string | undefined; readonly timeoutMs: number },
) => Promise<{ readonly status: number; readonly body: string }>;

/** What the engine asks for (the `alert` action). */
export interface AlertRequest {
  readonly severity: Severity;
  readonly message: string;
  readonly withMetadata?: boolean;
}

/** How one send went, for the log (and tests). */
export type Delivery =
  | { readonly ok: true; readonly provider: string }
  | { readonly ok: false; readonly provider: string; readonly error: string };

export interface AlertDispatcherOptions {
  /** `--cluster-name`: adds a `Cluster` field to every alert. */
  readonly clusterName?: string | undefined;
  /** `--slack-url` / `--msteams-url` and friends: where alerts of canaries that name no provider go. */
  readonly global?: ChatTarget | undefined;
  /** Per request; Flagger's is 5 s. */
  readonly timeoutMs?: number;
}

const ALERT_PROVIDER_GVK = { apiVersion: FLAGGER_API_VERSION, kind: ALERT_PROVIDER_KIND } as const;
const SECRET_GVK = { apiVersion: 'v1', kind: 'Secret' } as const;

export class AlertDispatcher {
  private readonly references: ReferenceReader;

  constructor(
    private readonly deps: {
      readonly cluster: Cluster;
      readonly post: PostJson;
      /**
       * The namespace the cluster's caches are limited to (`--namespace`): AlertProviders and
       * Secrets in other namespaces are then read from the API server, as Flagger reads them.
       */
      readonly watchedNamespace?: string | undefined;
    },
    private readonly options: AlertDispatcherOptions = {},
  ) {
    this.references = new ReferenceReader(deps.cluster, deps.watchedNamespace);
  }

  /** Sends `alert` wherever the canary's spec routes it; one delivery per provider tried. */
  async dispatch(canary: Canary, alert: AlertRequest): Promise<Delivery[]> {
    const message = alertMessage(canary, alert, this.options.clusterName);
    const routes = canary.spec.analysis?.alerts ?? [];
    if (routes.length === 0) {
      const global = this.options.global;
      return global ? [await this.send('global notifier', global, message)] : [];
    }
    const deliveries: Delivery[] = [];
    for (const route of routes) {
      if (!receives(route, alert.severity)) continue;
      const where = `${route.providerRef.namespace || canary.metadata?.namespace}/${route.providerRef.name}`;
      const target = await this.target(canary, route);
      deliveries.push(
        typeof target === 'string'
          ? { ok: false, provider: where, error: target }
          : await this.send(where, target, message),
      );
    }
    return deliveries;
  }

  private async send(provider: string, target: ChatTarget, message: AlertMessage): Promise<Delivery> {
    try {
      const res = await this.deps.post(chatRequest(target, message), {
        proxy: target.proxy,
        timeoutMs: this.options.timeoutMs ?? 5000,
      });
      if (res.status >= 200 && res.status < 300) return { ok: true, provider };
      return {
        ok: false,
        provider,
        error: `sending notification bad response ${res.status}: ${res.body.slice(0, 300)}`,
      };
    } catch (err) {
      return { ok: false, provider, error: `sending notification failed: ${describe(err)}` };
    }
  }

  /** The chat target of an `analysis.alerts` entry, or why there is none (the fix included). */
  private async target(canary: Canary, route: CanaryAlert): Promise<ChatTarget | string> {
    const namespace = route.providerRef.namespace || canary.metadata?.namespace || '';
    const name = route.providerRef.name;
    let provider: AlertProvider | undefined;
    try {
      provider = await this.references.get<AlertProvider>({ ...ALERT_PROVIDER_GVK, namespace, name });
    } catch (err) {
      if (err instanceof KubeWriteError) return `cannot read alert provider ${namespace}/${name}: ${err.message}`;
      return `AlertProviders are not readable (is the alertproviders.flagger.app CRD installed? apply deploy/crds/all.yaml)`;
    }
    if (!provider) {
      return `alert provider ${namespace}/${name} not found: create it, or fix providerRef of alert "${route.name}"`;
    }
    const spec = provider.spec;
    let url = spec.address;
    let token: string | undefined;
    if (spec.secretRef) {
      let secret: KubeObject | undefined;
      try {
        secret = await this.references.get<KubeObject>({ ...SECRET_GVK, namespace, name: spec.secretRef.name });
      } catch (err) {
        return `cannot read secret ${namespace}/${spec.secretRef.name} of alert provider ${name}: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (!secret) {
        return `secret ${namespace}/${spec.secretRef.name} of alert provider ${name} not found: create it with the key "address"`;
      }
      const data = secretData(secret);
      if (!data.address) {
        return `secret ${namespace}/${spec.secretRef.name} of alert provider ${name} has no key "address": add the webhook URL under it`;
      }
      url = data.address;
      token = data.token;
    }
    if (!url || !URL.canParse(url)) {
      return `alert provider ${namespace}/${name} has no valid address (${url ? 'not a URL' : 'empty'}): set spec.address or the Secret's "address" to the ${spec.type} webhook URL`;
    }
    const channel = spec.channel ?? 'general';
    const username = spec.username ?? 'flagger';
    if (spec.type !== 'msteams' && spec.type !== 'gchat' && (!channel || !username)) {
      return `alert provider ${namespace}/${name}: empty ${channel ? 'username' : 'channel'}; set it or leave it out for the default`;
    }
    return { type: spec.type, url, channel, username, token, proxy: spec.proxy };
  }
}

/**
 * Does an `analysis.alerts` entry receive an alert of `severity`? info receives everything, warn also
 * errors, error only errors. An empty severity counts as info, as Flagger documents (its code sends
 * nothing to it).
 */
export function receives(route: CanaryAlert, severity: Severity): boolean {
  const wants = route.severity || 'info';
  return wants === 'info' || wants === severity || (severity === 'error' && wants === 'warn');
}

/**
 * The message with Flagger's fields: `Cluster`, then with metadata the target and the release plan.
 * The threshold and the deadline are the engine's numbers, so the text says what the engine counts
 * (a `threshold` of 0 or less reads 1, as in Flagger's `GetAnalysisThreshold()`).
 */
export function alertMessage(canary: Canary, alert: AlertRequest, clusterName?: string): AlertMessage {
  const name = canary.metadata?.name ?? '';
  const ns = canary.metadata?.namespace ?? '';
  const fields: { name: string; value: string }[] = [];
  if (clusterName) fields.push({ name: 'Cluster', value: clusterName });
  if (alert.withMetadata) {
    const { targetRef } = canary.spec;
    fields.push(
      { name: 'Target', value: `${targetRef.kind}/${targetRef.name}.${ns}` },
      { name: 'Failed checks threshold', value: String(analysisThreshold(canary.spec)) },
      { name: 'Progress deadline', value: `${progressDeadlineSeconds(canary.spec)}s` },
    );
    const routing = trafficRouting(canary);
    if (routing) fields.push({ name: 'Traffic routing', value: routing });
  }
  return { subject: `${name}.${ns}`, text: alert.message, severity: alert.severity, fields };
}

/** Flagger's "Traffic routing" text; weights are quoted as written (`max: 0` when unset), as Flagger does. */
function trafficRouting(canary: Canary): string | undefined {
  const a = canary.spec.analysis;
  if (!a) return undefined;
  const max = a.maxWeight ?? 0;
  if ((a.match?.length ?? 0) > 0 && (a.iterations ?? 0) > 0) return 'A/B Testing';
  if ((a.iterations ?? 0) > 0) return 'Blue/Green';
  if ((a.stepWeight ?? 0) > 0) return `Weight step: ${a.stepWeight} max: ${max}`;
  if ((a.stepWeights?.length ?? 0) > 0) return `Weight steps: ${a.stepWeights?.join(',')} max: ${max}`;
  return undefined;
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}
