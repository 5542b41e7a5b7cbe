/**
 * Reads the objects a Canary names by namespace — MetricTemplates (`templateRef.namespace`),
 * AlertProviders (`providerRef.namespace`) and their Secrets. With `serin operator --namespace` the
 * watch caches hold that one namespace, so an object referenced from another namespace is read
 * straight from the API server, as Flagger always reads them (a GET per use); inside the watched
 * namespace, and when every namespace is watched, it comes from the cache with no request.
 */
import type { Cluster } from './cluster.js';
import type { ObjectRef } from './objects.js';

export class ReferenceReader {
  constructor(
    private readonly cluster: Cluster,
    /** The namespace the caches are limited to (`--namespace`); undefined: all. */
    private readonly watchedNamespace?: string | undefined,
  ) {}

  /** The object, or undefined when it does not exist; throws when it cannot be read (cache kind missing, API error). */
  async get<T>(ref: ObjectRef & { readonly namespace: string }, signal?: AbortSignal): Promise<T | undefined> {
    if (this.watchedNamespace === undefined || ref.namespace === this.watchedNamespace) {
      return this.cluster.get<T>(ref);
    }
    return this.cluster.read<T>(ref, signal ? { signal } : {});
  }
}
