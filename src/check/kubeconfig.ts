/**
 * The kubeconfig of `serin check`: `--kubeconfig`, else what kubectl would use ($KUBECONFIG,
 * ~/.kube/config, in-cluster). Unlike client-node, which silently falls back to
 * http://localhost:8080 when it finds nothing, a missing kubeconfig is a usage error that says so.
 */
import type { KubeConfig as KubeConfigType } from '@kubernetes/client-node';
import { CheckUsageError } from './inputs.js';

/** A loaded kubeconfig, its current context and that context's namespace. */
export interface LoadedKubeConfig {
  readonly kc: KubeConfigType;
  readonly context: string;
  /** The context's namespace, when it sets one. */
  readonly namespace?: string | undefined;
}

/** Loads the kubeconfig; throws {@link CheckUsageError} when there is none or it is unusable. */
export async function loadKubeConfig(path: string | undefined): Promise<LoadedKubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code ?? (err instanceof Error ? err.message : String(err));
    throw new CheckUsageError(`cannot read the kubeconfig${path ? ` ${path}` : ''} (${why})`);
  }
  const cluster = kc.getCurrentCluster();
  if (!path && cluster?.name === 'cluster' && cluster.server === 'http://localhost:8080') {
    throw new CheckUsageError(
      'no kubeconfig: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config (serin check reads the cluster)',
    );
  }
  if (!cluster?.server) {
    throw new CheckUsageError(
      `the kubeconfig${path ? ` ${path}` : ''} has no current context with a cluster: set current-context (kubectl config use-context …)`,
    );
  }
  const context = kc.getCurrentContext();
  return { kc, context, namespace: kc.getContextObject(context)?.namespace };
}
