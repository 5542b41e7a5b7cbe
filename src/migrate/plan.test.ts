import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import { providerRegistry } from '../routers/providers.js';
import { migrateCanary } from './appmesh-to-gatewayapi.js';
import { migrationPlan, renderPlan } from './plan.js';
import { changeLine, renderText } from './render.js';

const gateway = { namespace: 'gateways', name: 'public', sectionName: 'http' };
const original = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'account', namespace: 'shop' },
  spec: {
    provider: 'appmesh:v1beta2',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' },
    service: { port: 8180, backends: ['redis-session.shop-infra'] },
    analysis: { interval: '30s', threshold: 3, stepWeight: 20, maxWeight: 80 },
  },
} as unknown as Canary;

function planText(lattice: boolean): string {
  const result = migrateCanary(original, { gateway, lattice, registry: providerRegistry('appmesh:v1beta2') });
  assert.ok(result.migrated);
  return renderPlan(migrationPlan(original, result.canary, { gateway, lattice, yamlCommand: 'serin migrate …' })).join(
    '\n',
  );
}

test('Phase A suspends, applies, verifies the HTTPRoute and unsuspends, in the Canary namespace', () => {
  const text = planText(false);
  assert.match(text, /kubectl -n shop patch canary account --type merge -p '\{"spec":\{"suspend":true\}\}'/);
  assert.match(text, /serin migrate … \| kubectl -n shop apply -f -/);
  assert.match(text, /kubectl -n shop get httproute account -o yaml/);
  assert.match(text, /"suspend":false/);
  assert.doesNotMatch(text, /lattice-assigned-domain-name/);
});

test('with --lattice Phase A checks the lattice-assigned domain name and Phase B ignores Lattice IPs', () => {
  const text = planText(true);
  assert.match(text, /application-networking\\\.k8s\\\.aws\/lattice-assigned-domain-name/);
  assert.match(text, /"appmesh\.k8s\.aws\/egressIgnoredIPs":"169\.254\.169\.254,169\.254\.171\.0\/24"/);
});

test('Phase C disables the injector on the target, then deletes VirtualService → VirtualRouter → VirtualNodes', () => {
  const text = planText(false);
  assert.match(
    text,
    /kubectl -n shop patch deployment\/account .*"appmesh\.k8s\.aws\/sidecarInjectorWebhook":"disabled"/,
  );
  const order = [
    'delete virtualservice account account-canary',
    'delete virtualrouter',
    'delete virtualnode account-primary',
  ];
  const at = order.map((s) => text.indexOf(s));
  assert.ok(
    at.every((i, k) => i > 0 && (k === 0 || i > (at[k - 1] ?? 0))),
    `order ${at.join(',')}`,
  );
  assert.match(text, /own calls off the mesh .*redis-session\.shop-infra/);
});

test('every phase says how to go back', () => {
  assert.equal(planText(false).match(/go back:/g)?.length, 3);
});

test('a change reads "- field: before → after — why"', () => {
  assert.equal(
    changeLine({ field: 'spec.provider', before: 'appmesh:v1beta2', after: 'gatewayapi:v1', why: 'because' }),
    '- spec.provider: appmesh:v1beta2 → gatewayapi:v1 — because',
  );
  assert.equal(changeLine({ field: 'x', before: 'a', why: 'gone' }), '- x: a → (dropped) — gone');
});

test('the text report says it changes nothing in any cluster, and names skipped Canaries', () => {
  const istio = { ...original, spec: { ...original.spec, provider: 'istio' } } as Canary;
  const text = renderText(
    [{ file: 'a.yaml', original: istio, migration: { migrated: false, why: 'not App Mesh' }, plan: [] }],
    gateway,
    false,
  );
  assert.match(text, /changes nothing in any cluster/);
  assert.match(text, /== Canary shop\/account \(a\.yaml\): skipped — not App Mesh/);
});
