/**
 * `serin migrate … --from-cluster` and `--apply`: the Canaries read from a cluster instead of files,
 * and the migrated ones written back — each only while its canary is idle (no release running), with
 * the resourceVersion it was read at, so an edit made meanwhile is never overwritten.
 */
import type { Canary } from '../api/index.js';
import { FLAGGER_API_VERSION } from '../api/index.js';
import { KubeApiError, type KubeRest } from '../kube/rest.js';

/** Phases in which a canary runs no release: the switch of its routing changes no traffic in flight. */
const IDLE_PHASES: ReadonlySet<string> = new Set(['', 'Initialized', 'Succeeded', 'Failed']);

interface LiveCanary extends Canary {
  metadata: NonNullable<Canary['metadata']> & { resourceVersion?: string };
}

function canariesPath(namespace?: string, name?: string): string {
  const ns = namespace ? `/namespaces/${namespace}` : '';
  return `/apis/${FLAGGER_API_VERSION}${ns}/canaries${name ? `/${name}` : ''}`;
}

/** The cluster's Canaries (of `namespace`, else all), as their owners wrote them: no status, no server fields. */
export async function clusterCanaries(
  rest: KubeRest,
  namespace?: string,
): Promise<{ readonly file: string; readonly object: Record<string, unknown> }[]> {
  const list = await rest.json<{ items: LiveCanary[] }>(canariesPath(namespace));
  return list.items.map((live) => {
    const { name, namespace: ns, labels, annotations } = live.metadata;
    const metadata = { name, namespace: ns, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
    return {
      file: `cluster ${ns ?? ''}/${name ?? ''}`,
      object: { apiVersion: live.apiVersion, kind: live.kind, metadata, spec: live.spec },
    };
  });
}

/** What `--apply` did with one migrated Canary. */
export interface Applied {
  readonly ok: boolean;
  readonly line: string;
}

/**
 * Writes the migrated Canary over the live one (spec, labels, annotations) when the canary is idle;
 * otherwise says why not and when to run again.
 */
export async function applyMigrated(rest: KubeRest, migrated: Canary, fallbackNamespace: string): Promise<Applied> {
  const name = migrated.metadata?.name ?? '';
  const ns = migrated.metadata?.namespace ?? fallbackNamespace;
  const id = `Canary ${ns}/${name}`;
  let live: LiveCanary;
  try {
    live = await rest.json<LiveCanary>(canariesPath(ns, name));
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) {
      return {
        ok: false,
        line: `not applied: ${id} is not in the cluster; create it with -o yaml | kubectl apply -f -`,
      };
    }
    throw err;
  }
  const phase = live.status?.phase ?? '';
  if (!IDLE_PHASES.has(phase)) {
    return {
      ok: false,
      line: `not applied: ${id} is ${phase}, a release is running; run again once it is Succeeded, Initialized or Failed`,
    };
  }
  const { labels, annotations } = migrated.metadata ?? {};
  const next = {
    ...live,
    metadata: { ...live.metadata, labels: labels ?? {}, annotations: annotations ?? {} },
    spec: migrated.spec,
  };
  try {
    await rest.json(canariesPath(ns, name), { method: 'PUT', body: next });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) {
      return { ok: false, line: `not applied: ${id} changed while it was migrated; run again` };
    }
    throw err;
  }
  const provider = migrated.spec.provider ?? '';
  return {
    ok: true,
    line: `applied: ${id} now routes through ${provider}; Serin writes its HTTPRoute at the next reconcile`,
  };
}
