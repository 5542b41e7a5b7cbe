/**
 * Shared Given-steps of the targets-*.test.ts files: a namespace, an ApiCluster caching what the
 * Deployment adapter reads, and the objects a user writes (Deployment, ConfigMap, HPA, Canary).
 */
import type { TestContext } from 'node:test';
import { CANARY_KIND, FLAGGER_API_VERSION, type Canary } from '../../src/api/index.js';
import type { ApiCluster } from '../../src/kube/api-cluster.js';
import type { Cluster } from '../../src/kube/cluster.js';
import { refOf, type KubeObject, type ObjectRef } from '../../src/kube/objects.js';
import {
  DEPLOYMENT_TARGET_KINDS,
  DeploymentTarget,
  type DeploymentTargetOptions,
} from '../../src/targets/deployment.js';
import type { Deployment } from '../../src/targets/kube-types.js';
import { cached, freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';

export const CANARY = { apiVersion: FLAGGER_API_VERSION, kind: CANARY_KIND } as const;
export const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
export const CM = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
export const HPA_V2 = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' } as const;

export interface Fixture {
  readonly ns: string;
  readonly cluster: ApiCluster;
  readonly target: DeploymentTarget;
  /** A reference to an object of this namespace. */
  ref(gvk: { apiVersion: string; kind: string }, name: string): ObjectRef;
}

export async function given(t: TestContext, prefix: string, options: DeploymentTargetOptions = {}): Promise<Fixture> {
  const ns = await freshNamespace(t, testKubeConfig(), prefix);
  const cluster = await startApiCluster(t, [...DEPLOYMENT_TARGET_KINDS, CANARY], ns);
  const target = new DeploymentTarget({ cluster }, options);
  return { ns, cluster, target, ref: (gvk, name) => ({ ...gvk, namespace: ns, name }) };
}

export interface AppOptions {
  readonly name?: string;
  readonly replicas?: number;
  readonly image?: string;
  readonly configMap?: string;
  readonly selector?: Record<string, string>;
  readonly nodeSelector?: Record<string, string>;
}

/** The seed's account Deployment: ConfigMap volume, named port, `app` selector label. */
export function app(ns: string, o: AppOptions = {}): Deployment {
  const name = o.name ?? 'account';
  const labels = o.selector ?? { app: name };
  return {
    ...DEPLOY,
    metadata: { name, namespace: ns, labels: { ...labels, 'app.kubernetes.io/part-of': 'shop' } },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name,
              image: o.image ?? 'registry.example.com/shop/account:1.0.0',
              ports: [{ name: 'http', containerPort: 8180 }],
              volumeMounts: [{ name: 'config', mountPath: '/config' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: o.configMap ?? 'account-config' } }],
          ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
        },
      },
    },
  };
}

export function configMap(ns: string, name: string, data: Record<string, string>): KubeObject {
  return { ...CM, metadata: { name, namespace: ns }, data };
}

export function hpa(ns: string, name: string, min: number, max: number): KubeObject {
  return {
    ...HPA_V2,
    metadata: { name, namespace: ns },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    },
  };
}

/** Creates the objects and waits until the cache holds them all. */
export async function create(f: Fixture, ...objects: KubeObject[]): Promise<void> {
  for (const obj of objects) await f.cluster.create(obj);
  for (const obj of objects) {
    await cached(`${obj.kind} ${obj.metadata.name} in cache`, () => f.cluster.get(f.ref(obj, obj.metadata.name ?? '')));
  }
}

/** Creates the seed-like Canary for Deployment `targetName` and returns it as the cache holds it (with its uid). */
export async function canary(f: Fixture, spec: Record<string, unknown> = {}, targetName = 'account'): Promise<Canary> {
  const obj: KubeObject = {
    ...CANARY,
    metadata: { name: targetName, namespace: f.ns },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: targetName },
      service: { port: 8180 },
      analysis: { interval: '30s', threshold: 3, maxWeight: 80, stepWeight: 20 },
      ...spec,
    },
  };
  await create(f, obj);
  return f.cluster.get<Canary>(f.ref(CANARY, targetName))!;
}

/** Waits until the cached object satisfies `ok`, and returns it. */
export function until<T extends KubeObject>(
  f: Fixture,
  ref: ObjectRef,
  what: string,
  ok: (obj: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  return cached(
    what,
    () => {
      const obj = f.cluster.get<T>(ref);
      return obj && ok(obj) ? obj : undefined;
    },
    timeoutMs,
  );
}

/** The Deployment is Available with all its replicas ready, as the controller-manager and kwok report it. */
export function isAvailable(d: Deployment): boolean {
  const available = d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
  return (
    Boolean(available) && d.status?.readyReplicas === d.spec.replicas && d.status?.updatedReplicas === d.spec.replicas
  );
}

/** A Cluster that records every request it passes on (writes and fresh reads), to show that a steady call makes none. */
export function recordingWrites(cluster: Cluster): { cluster: Cluster; writes: string[] } {
  const writes: string[] = [];
  const note = (verb: string, ref: ObjectRef): void => void writes.push(`${verb} ${ref.kind} ${ref.name}`);
  return {
    writes,
    cluster: {
      get: (ref) => cluster.get(ref),
      read: (ref, options) => (note('read', ref), cluster.read(ref, options)),
      list: (gvk, namespace) => cluster.list(gvk, namespace),
      subscribe: (gvk, handler) => cluster.subscribe(gvk, handler),
      create: (obj, options) => (note('create', refOf(obj)), cluster.create(obj, options)),
      update: (obj, options) => (note('update', refOf(obj)), cluster.update(obj, options)),
      updateStatus: (obj, options) => (note('updateStatus', refOf(obj)), cluster.updateStatus(obj, options)),
      patch: (ref, patch, options) => (note('patch', ref), cluster.patch(ref, patch, options)),
      delete: (ref, options) => (note('delete', ref), cluster.delete(ref, options)),
    },
  };
}

/**
 * How long the garbage collector may take: it watches a custom resource only after its discovery
 * resync (every 30 s in kube-controller-manager) has seen the CRD, and the test cluster installs
 * the CRDs seconds before the tests start.
 */
export const GC_TIMEOUT_MS = 75_000;

/** Waits until the cache no longer holds any of `refs` (deleted, e.g. garbage-collected). */
export function gone(f: Fixture, what: string, ...refs: ObjectRef[]): Promise<true> {
  return cached(what, () => (refs.some((r) => f.cluster.get(r)) ? undefined : true), GC_TIMEOUT_MS);
}
