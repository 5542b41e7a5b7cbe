/**
 * A stand-in for the API server's list and watch of Canaries and Events, enough for the
 * dashboard's cache (src/kube/informer.ts) in unit tests: objects to list, events to push, and an
 * outage to switch on and off.
 */
import type { KubeObject } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';

interface Watch {
  readonly path: string;
  readonly onEvent: (line: unknown) => void;
  readonly end: (err?: Error) => void;
}

export class FakeApi {
  private readonly objects = new Map<string, KubeObject>();
  private readonly watches = new Set<Watch>();
  private version = 1;
  /** While true, every list and watch fails as if the API server were gone. */
  down = false;

  /** The KubeRest the dashboard's cache uses. */
  rest(): KubeRest {
    return {
      json: (path: string) => this.list(path),
      stream: (path: string, onEvent: (line: unknown) => void, signal: AbortSignal, onOpen?: () => void) =>
        this.watch(path, onEvent, signal, onOpen),
    } as unknown as KubeRest;
  }

  /** Adds or replaces an object and tells the watches. */
  put(obj: KubeObject): void {
    const key = `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.version) } };
    this.objects.set(key, stored);
    this.tell(obj.kind, { type, object: stored });
  }

  remove(obj: KubeObject): void {
    const key = `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    const stored = this.objects.get(key);
    if (!stored) return;
    this.objects.delete(key);
    this.tell(obj.kind, {
      type: 'DELETED',
      object: { ...stored, metadata: { ...stored.metadata, resourceVersion: String(++this.version) } },
    });
  }

  /** Ends every open watch with an error (the API server went away). */
  breakWatches(): void {
    for (const w of [...this.watches]) w.end(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
  }

  private kindOf(path: string): string {
    return path.includes('/canaries') ? 'Canary' : 'Event';
  }

  private tell(kind: string, line: unknown): void {
    for (const w of this.watches) if (this.kindOf(w.path) === kind) w.onEvent(line);
  }

  private list(path: string): Promise<unknown> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
    const kind = this.kindOf(path);
    const items = [...this.objects.values()].filter((o) => o.kind === kind);
    return Promise.resolve({
      apiVersion: kind === 'Canary' ? 'flagger.app/v1beta1' : 'v1',
      kind: `${kind}List`,
      metadata: { resourceVersion: String(this.version) },
      items: items.map((o) => ({ ...o })),
    });
  }

  private watch(
    path: string,
    onEvent: (line: unknown) => void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
    return new Promise((resolve, reject) => {
      const watch: Watch = {
        path,
        onEvent,
        end: (err) => {
          this.watches.delete(watch);
          if (err) reject(err);
          else resolve();
        },
      };
      this.watches.add(watch);
      signal.addEventListener('abort', () => watch.end(), { once: true });
      onOpen?.();
      // As the API server does: what changed after the watch's resourceVersion comes first.
      const since = Number(/resourceVersion=(\d+)/.exec(path)?.[1] ?? 0);
      for (const o of this.objects.values()) {
        if (o.kind === this.kindOf(path) && Number(o.metadata.resourceVersion) > since)
          onEvent({ type: 'MODIFIED', object: o });
      }
    });
  }
}

export function canary(
  namespace: string,
  name: string,
  status: Record<string, unknown> = {},
  spec: unknown = {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
    analysis: { interval: '1m', threshold: 2, stepWeight: 10, maxWeight: 50 },
  },
): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { namespace, name, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
    status,
  };
}

export function event(namespace: string, canaryName: string, name: string, message: string, at: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { namespace, name },
    involvedObject: { kind: 'Canary', namespace, name: canaryName },
    type: 'Normal',
    reason: 'Synced',
    message,
    lastTimestamp: at,
  };
}
