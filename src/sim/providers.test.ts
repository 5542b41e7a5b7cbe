import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import type { KubeObject } from '../kube/objects.js';
import { loadManifests, loadScenario } from './inputs.js';
import { simulate } from './simulation.js';

const SEED = resolve(import.meta.dirname, '../../examples/seed');

/** The seed's objects with its Canary moved to another provider, as a team leaving App Mesh would. */
async function seedOn(spec: Record<string, unknown>): Promise<KubeObject[]> {
  const objects = await loadManifests(['account.yaml', 'canary.yaml'].map((f) => join(SEED, f)));
  return objects.map((o) => {
    if (o.kind !== 'Canary') return o;
    const canary = structuredClone(o) as KubeObject & { spec: Record<string, any> };
    const port = canary.spec.service.port as number;
    Object.assign(canary.spec, spec);
    canary.spec.service = { port, ...(spec.service as object) };
    return canary;
  });
}

const GATEWAY = {
  provider: 'gatewayapi:v1',
  service: { gatewayRefs: [{ name: 'public', namespace: 'gateways' }], hosts: ['account.example.com'] },
};

describe('serin simulate on the providers after App Mesh', () => {
  test('Gateway API: the seed’s low success rate is rolled back and the HTTPRoute ends on the primary', async () => {
    const t = await simulate({
      objects: await seedOn(GATEWAY),
      scenario: await loadScenario(join(SEED, 'scenarios', '2-low-success-rate.yaml')),
      namespace: 'shop',
    });
    assert.equal(t.verdict.result, 'rolled-back');
    assert.ok(t.entries.some((e) => e.message === 'Halt account.shop advancement success rate 98.70% < 99%'));
    assert.deepEqual(t.finalRoutes, { primary: 100, canary: 0 });
  });

  test('Gateway API: the seed’s relaxed threshold and restart are promoted step by step', async () => {
    const t = await simulate({
      objects: await seedOn(GATEWAY),
      scenario: await loadScenario(join(SEED, 'scenarios', '3-relaxed-threshold.yaml')),
      namespace: 'shop',
    });
    assert.equal(t.verdict.result, 'promoted');
    assert.ok(
      t.weights.some((w) => w.canaryWeight > 0),
      'traffic was shifted through the route',
    );
    assert.deepEqual(t.finalRoutes, { primary: 100, canary: 0 });
  });

  test('kubernetes: blue/green iterations instead of weights, then promotion', async () => {
    const t = await simulate({
      objects: await seedOn({ provider: 'kubernetes', service: {} }),
      scenario: await loadScenario(join(SEED, 'scenarios', '3-relaxed-threshold.yaml')),
      namespace: 'shop',
    });
    assert.equal(t.verdict.result, 'promoted');
    const messages = t.entries.map((e) => e.message);
    assert.ok(messages.includes('Progressive traffic is not supported when using the kubernetes provider'));
    assert.ok(messages.some((m) => /^Advance account\.shop canary iteration 10\/10$/.test(m)));
    assert.ok(!messages.some((m) => /canary weight/.test(m)));
  });
});

describe('serin simulate on a DaemonSet target', () => {
  test('a DaemonSet canary (made up when the files hold none) is released by an image change and promoted', async () => {
    const objects = await seedOn({});
    const canary = objects.find((o) => o.kind === 'Canary') as KubeObject & { spec: Record<string, any> };
    canary.spec.targetRef = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent' };
    delete canary.spec.autoscalerRef; // a DaemonSet has no replicas to scale
    const t = await simulate({
      objects: [canary],
      namespace: 'shop',
      scenario: {
        apiVersion: 'serin.dev/v1alpha1',
        kind: 'Scenario',
        metadata: { name: 'agent' },
        duration: '30m',
        versions: [{ name: 'healthy', metrics: { 'request-success-rate': 100, 'request-duration': 100 } }],
        steps: [{ at: '1m', setImage: { deployment: 'agent', image: 'agent:2' } }],
      },
    });
    const messages = t.entries.map((e) => e.message);
    assert.equal(t.verdict.result, 'promoted', messages.join('\n'));
    assert.ok(messages.includes('Copying agent.shop template spec to agent-primary.shop'));
  });
});
