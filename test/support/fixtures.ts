import type { KubeObject } from '../../src/kube/objects.js';

/** The workload of the seed, small: a Deployment `name` with a ConfigMap volume `<name>-config`. */
export function appDeployment(
  namespace: string,
  name: string,
  options: {
    image?: string;
    replicas?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  } = {},
): KubeObject {
  const labels = options.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(options.annotations ? { annotations: options.annotations } : {}) },
        spec: {
          containers: [
            {
              name,
              image: options.image ?? `registry.example.com/shop/${name}:1.0.0`,
              ports: [{ name: 'http', containerPort: 8180 }],
              volumeMounts: [{ name: 'config', mountPath: '/config' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
        },
      },
    },
  };
}

export function appConfigMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace }, data };
}

export function appHpa(namespace: string, name: string, min = 2, max = 4): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
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

/**
 * A Canary shaped like the seed's (App Mesh, HPA, stepWeight 20 up to maxWeight 80, threshold 3),
 * with a 1 s interval and no metrics (their providers come with issue #4). `analysis` entries
 * override the defaults.
 */
export function seedLikeCanary(
  namespace: string,
  name: string,
  options: {
    analysis?: Record<string, unknown>;
    progressDeadlineSeconds?: number;
    hpa?: boolean;
    spec?: Record<string, unknown>;
  } = {},
): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace },
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      progressDeadlineSeconds: options.progressDeadlineSeconds ?? 60,
      ...(options.hpa === false
        ? {}
        : { autoscalerRef: { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', name } }),
      service: {
        port: 8180,
        backends: ['arn:aws:appmesh:ap-northeast-2:170247361816:mesh/global/virtualService/mariadb-shop.shop-infra'],
      },
      analysis: { interval: '1s', threshold: 3, maxWeight: 80, stepWeight: 20, ...options.analysis },
      ...options.spec,
    },
  };
}

/**
 * A Gateway API Canary for the Deployment `name`, its HTTPRoute attached to the Gateway `gateway` of
 * the same namespace, with a 1 s interval; `analysis` fields are added or override.
 */
export function gatewayApiCanary(
  namespace: string,
  name: string,
  gateway = 'public',
  analysis: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace },
    spec: {
      provider: 'gatewayapi:v1',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      progressDeadlineSeconds: 60,
      service: { port: 8180, gatewayRefs: [{ name: gateway, namespace }] },
      analysis: { interval: '1s', threshold: 5, ...analysis },
    },
  };
}

/**
 * A blue/green Canary of Deployment `podinfo` on the `kubernetes` provider (no mesh): 1 s ticks,
 * `iterations` analyses judged by the given webhooks, and any extra spec fields (`autoscalerRef`).
 */
export function blueGreenCanary(
  ns: string,
  webhooks: readonly Record<string, unknown>[],
  options: { iterations?: number; spec?: Record<string, unknown> } = {},
): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: ns },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      progressDeadlineSeconds: 60,
      service: { port: 9898 },
      analysis: { interval: '1s', threshold: 2, iterations: options.iterations ?? 3, webhooks },
      ...options.spec,
    },
  };
}
