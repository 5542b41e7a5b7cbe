import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { createValidators, formatIssues, type Canary } from '../api/index.js';
import { parseManifests } from '../kube/apply.js';
import { providerRegistry } from '../routers/providers.js';
import { migrateCanary, type MigrateOptions } from './appmesh-to-gatewayapi.js';
import type { Change } from './change.js';
import { parseGatewayFlag } from './gateway-flag.js';

const registry = providerRegistry('appmesh:v1beta2');
const gateway = { namespace: 'gateways', name: 'public', sectionName: 'http' };
const plain: MigrateOptions = { gateway, lattice: false, registry };
const lattice: MigrateOptions = { ...plain, lattice: true };
const validate = createValidators({ unknownFields: 'reject' }).canary;

async function seedCanary(): Promise<Canary> {
  const path = resolve(import.meta.dirname, '../../examples/seed/canary.yaml');
  const [canary] = parseManifests(await readFile(path, 'utf8'), path);
  return canary as unknown as Canary;
}

function synthetic(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', ...metadata },
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, iterations: 10 },
      ...spec,
    },
  } as unknown as Canary;
}

function migrate(canary: Canary, options = plain): { canary: Canary; changes: readonly Change[] } {
  const result = migrateCanary(canary, options);
  assert.ok(result.migrated, result.migrated ? '' : result.why);
  return result;
}

function change(changes: readonly Change[], field: string): Change {
  const found = changes.find((c) => c.field === field);
  assert.ok(found, `no change for ${field} in ${changes.map((c) => c.field).join(', ')}`);
  return found;
}

function assertRoutable(canary: Canary): void {
  const checked = validate(canary);
  assert.ok(checked.ok, checked.ok ? '' : formatIssues(checked.issues));
  assert.equal(registry.resolve(checked.value).name, 'gatewayapi:v1');
  assert.equal(registry.featureProblem(checked.value), undefined);
}

describe('migrating the seed Canary (examples/seed/canary.yaml)', () => {
  test('gives a Canary valid for Serin on gatewayapi:v1 attached to the --gateway', async () => {
    const { canary } = migrate(await seedCanary());
    assertRoutable(canary);
    assert.deepEqual(canary.spec.service?.gatewayRefs, [gateway]);
  });

  test('drops the App Mesh backends and says why', async () => {
    const { canary, changes } = migrate(await seedCanary());
    assert.equal(canary.spec.service?.backends, undefined);
    const c = change(changes, 'spec.service.backends');
    assert.equal(c.after, undefined);
    assert.match(c.why, /mean nothing to Gateway API/);
  });

  test('carries the autoscalerRef, alerts, webhooks and thresholds over unchanged', async () => {
    const original = await seedCanary();
    const { canary } = migrate(original);
    assert.deepEqual(canary.spec.autoscalerRef, original.spec.autoscalerRef);
    assert.deepEqual(canary.spec.analysis?.alerts, original.spec.analysis?.alerts);
    assert.deepEqual(canary.spec.analysis?.webhooks, original.spec.analysis?.webhooks);
    assert.equal(canary.spec.analysis?.stepWeight, 20);
  });

  test('keeps the builtin metrics but says they now read the app histogram', async () => {
    const { changes } = migrate(await seedCanary());
    assert.match(change(changes, 'spec.analysis.metrics[0].name').why, /http_request_duration_seconds/);
    assert.match(change(changes, 'spec.analysis.metrics[1].name').why, /MetricTemplate/);
  });

  test('leaves the input Canary as it was', async () => {
    const original = await seedCanary();
    const copy = structuredClone(original);
    migrate(original);
    assert.deepEqual(original, copy);
  });

  test('warns only with --lattice that a 30s interval is too short', async () => {
    assert.ok(!migrate(await seedCanary()).changes.some((c) => c.field === 'spec.analysis.interval'));
    assert.match(change(migrate(await seedCanary(), lattice).changes, 'spec.analysis.interval').why, /1–2m/);
  });
});

describe('which Canaries are migrated', () => {
  test('a Canary without provider is migrated, saying the operator default applied', () => {
    const { canary, changes } = migrate(synthetic({ provider: undefined }));
    assert.equal(canary.spec.provider, 'gatewayapi:v1');
    const c = change(changes, 'spec.provider');
    assert.equal(c.before, undefined);
    assert.match(c.why, /operator default/);
  });

  test('legacy appmesh is migrated', () => {
    assert.equal(migrate(synthetic({ provider: 'appmesh' })).canary.spec.provider, 'gatewayapi:v1');
  });

  test('a Canary of another provider is skipped with why', () => {
    const result = migrateCanary(synthetic({ provider: 'istio' }), plain);
    assert.ok(!result.migrated);
    assert.match(result.why, /istio.*not App Mesh/);
  });
});

describe('service fields', () => {
  test('meshName and retries are dropped with why', () => {
    const { canary, changes } = migrate(
      synthetic({ service: { port: 9898, meshName: 'global', retries: { attempts: 3, perTryTimeout: '5s' } } }),
    );
    assert.equal(canary.spec.service?.meshName, undefined);
    assert.equal(canary.spec.service?.retries, undefined);
    assert.match(change(changes, 'spec.service.retries').why, /not rendered for Gateway API/);
    assertRoutable(canary);
  });

  test('timeout is kept as timeouts.request, and with --lattice said to be ignored', () => {
    const spec = { service: { port: 9898, timeout: '15s' } };
    assert.match(change(migrate(synthetic(spec)).changes, 'spec.service.timeout').why, /timeouts\.request/);
    const c = change(migrate(synthetic(spec), lattice).changes, 'spec.service.timeout');
    assert.equal(c.after, '15s');
    assert.match(c.why, /Lattice ignores/);
  });

  test('hosts are kept; with --lattice the first is named as the immutable custom domain', () => {
    const spec = { service: { port: 9898, hosts: ['podinfo.test.internal.example', 'b.example'] } };
    const { canary, changes } = migrate(synthetic(spec), lattice);
    assert.deepEqual(canary.spec.service?.hosts, spec.service.hosts);
    assert.match(change(changes, 'spec.service.hosts').why, /podinfo\.test\.internal\.example.*cannot be changed/);
  });

  test('a uri regex match is kept; with --lattice said to be rejected', () => {
    const spec = { service: { port: 9898, match: [{ uri: { regex: '/api/v[0-9]+' } }] } };
    assert.deepEqual(migrate(synthetic(spec)).canary.spec.service?.match, spec.service.match);
    assert.match(change(migrate(synthetic(spec), lattice).changes, 'spec.service.match[0].uri').why, /rejects/);
  });

  test('a uri suffix match is dropped because Gateway API cannot express it', () => {
    const spec = { service: { port: 9898, match: [{ uri: { suffix: '.json' } }, { uri: { prefix: '/api' } }] } };
    const { canary, changes } = migrate(synthetic(spec));
    assert.deepEqual(canary.spec.service?.match, [{ uri: { prefix: '/api' } }]);
    assert.match(change(changes, 'spec.service.match[0].uri').why, /never by suffix/);
  });
});

describe('A/B header matches (analysis.match)', () => {
  const ab = (headers: Record<string, unknown>) =>
    synthetic({ analysis: { interval: '1m', threshold: 5, iterations: 10, match: [{ headers }] } });

  test('exact is kept, and says nothing even with --lattice', () => {
    const { canary, changes } = migrate(ab({ 'x-canary': { exact: 'insider' } }), lattice);
    assert.deepEqual(canary.spec.analysis?.match, [{ headers: { 'x-canary': { exact: 'insider' } } }]);
    assert.ok(!changes.some((c) => c.field.startsWith('spec.analysis.match')));
    assertRoutable(canary);
  });

  test('regex is kept; with --lattice said that Lattice accepts exact only', () => {
    const headers = { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } };
    assert.ok(!migrate(ab(headers)).changes.some((c) => c.field.startsWith('spec.analysis.match')));
    const c = change(migrate(ab(headers), lattice).changes, 'spec.analysis.match[0].headers.cookie');
    assert.match(c.why, /exact header matches only/);
  });

  test('prefix and suffix are dropped, as Serin’s Gateway API router refuses them', () => {
    const { canary, changes } = migrate(
      ab({ 'x-a': { prefix: 'in' }, 'x-b': { suffix: 'der' }, 'x-c': { exact: 'yes' } }),
    );
    assert.deepEqual(canary.spec.analysis?.match, [{ headers: { 'x-c': { exact: 'yes' } } }]);
    assert.match(change(changes, 'spec.analysis.match[0].headers.x-a').why, /exact value or regex only/);
    assert.equal(change(changes, 'spec.analysis.match[0].headers.x-b').after, undefined);
    assertRoutable(canary);
  });

  test('a match left empty is removed, and the A/B condition with it', () => {
    const { canary, changes } = migrate(ab({ 'x-a': { prefix: 'in' } }));
    assert.equal(canary.spec.analysis?.match, undefined);
    assert.match(change(changes, 'spec.analysis.match').why, /blue\/green/);
    assertRoutable(canary);
  });
});

describe('annotations and analysis', () => {
  test('the App Mesh access-log annotation is dropped for an AccessLogPolicy; others stay', () => {
    const annotations = { 'appmesh.flagger.app/accesslog': 'enabled', team: 'shop' };
    const { canary, changes } = migrate(synthetic({}, { annotations }));
    assert.deepEqual(canary.metadata?.annotations, { team: 'shop' });
    assert.match(change(changes, 'metadata.annotations.appmesh.flagger.app/accesslog').why, /AccessLogPolicy/);
  });

  test('session affinity is kept for Gateway API, which pins users by cookie, and dropped for Lattice, which cannot', () => {
    const spec = {
      analysis: { interval: '1m', threshold: 5, iterations: 10, sessionAffinity: { cookieName: 'canary' } },
    };
    const { canary, changes } = migrate(synthetic(spec));
    assert.deepEqual(canary.spec.analysis?.sessionAffinity, { cookieName: 'canary' });
    assert.match(change(changes, 'spec.analysis.sessionAffinity').why, /pins users by cookie/);
    assertRoutable(canary);
    const onLattice = migrate(synthetic(spec), lattice);
    assert.equal(onLattice.canary.spec.analysis?.sessionAffinity, undefined);
    assert.match(change(onLattice.changes, 'spec.analysis.sessionAffinity').why, /VPC Lattice cannot/);
  });
});

describe('--gateway', () => {
  test('reads NAMESPACE/NAME and an optional :SECTION', () => {
    assert.deepEqual(parseGatewayFlag('gateways/public:http'), gateway);
    assert.deepEqual(parseGatewayFlag('gw/mesh-gw'), { namespace: 'gw', name: 'mesh-gw' });
  });

  test('refuses a value without namespace, with an empty section or upper case', () => {
    for (const bad of ['public', 'gateways/public:', 'Gateways/public', '/public', 'a/b/c']) {
      assert.equal(parseGatewayFlag(bad), undefined, bad);
    }
  });
});
