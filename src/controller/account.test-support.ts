/**
 * The `shop/account` Canary and Deployment the controller's simulator tests release: what a user
 * applies, written once.
 */
import type { KubeObject } from '../kube/objects.js';

/** The Canary `shop/account` targeting Deployment `account` on port 8080; `analysis` replaces the default. */
export function accountCanary(
  analysis: Record<string, unknown> = { interval: '1m', threshold: 3, stepWeight: 10, maxWeight: 50, metrics: [] },
): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' },
      service: { port: 8080 },
      analysis,
    },
  };
}

/** The Deployment `shop/account`, one replica of `image`. */
export function accountDeployment(image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'account', namespace: 'shop' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'account' } },
      template: { metadata: { labels: { app: 'account' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}
