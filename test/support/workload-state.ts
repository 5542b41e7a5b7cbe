/** What a write to a Deployment (or another object) would change, and event counts: for tests that prove Serin wrote nothing. */
import { KubeRest } from '../../src/kube/rest.js';
import { testKubeConfig } from './cluster.js';
import type { EventLine } from './operator.js';

export interface DeploymentState {
  readonly generation: number;
  readonly meta: unknown;
  readonly spec: unknown;
}

/** Every Deployment of the namespace by name: generation, labels, annotations and spec. */
export function deploymentStates(ns: string): Promise<Record<string, DeploymentState>> {
  return objectStates(`/apis/apps/v1/namespaces/${ns}/deployments`);
}

/** Every object of a collection (a REST path) by name: generation, labels, annotations and spec. */
export async function objectStates(path: string): Promise<Record<string, DeploymentState>> {
  const list = await new KubeRest(testKubeConfig()).json<{
    items: {
      metadata: { name: string; generation?: number; labels?: unknown; annotations?: unknown };
      spec: unknown;
    }[];
  }>(path);
  return Object.fromEntries(
    list.items.map((d) => [
      d.metadata.name,
      {
        generation: d.metadata.generation ?? 0,
        meta: { labels: d.metadata.labels, annotations: d.metadata.annotations },
        spec: d.spec,
      },
    ]),
  );
}

/** How many times an event containing `text` was recorded (repeats counted). */
export function occurrences(events: readonly EventLine[], text: string): number {
  return events.filter((e) => e.message.includes(text)).reduce((n, e) => n + e.count, 0);
}
