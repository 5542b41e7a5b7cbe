import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import type { Canary, CanaryWebhook } from '../api/index.js';
import type { ObjectRef } from '../kube/objects.js';
import type { Lookup, ObjectReader } from './kube-reader.js';
import { probeTcp, type ProbeResult } from './tcp-probe.js';
import { webhookChecks } from './webhook-checks.js';

function canary(webhooks: CanaryWebhook[]): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' }, analysis: { webhooks } },
  } as Canary;
}

/** A probe that answers by host and records what it was asked. */
function fakeProbe(results: Record<string, ProbeResult>) {
  const asked: string[] = [];
  const probe = (host: string, port: number, timeoutMs: number) => {
    asked.push(`${host}:${port}/${timeoutMs}`);
    return Promise.resolve(results[host] ?? { outcome: 'reachable' as const });
  };
  return { asked, probe };
}

function reader(objects: Record<string, Lookup>): ObjectReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get: <T>(ref: ObjectRef) => {
      asked.push(`${ref.kind} ${ref.namespace ?? ''}/${ref.name}`);
      return Promise.resolve((objects[`${ref.namespace ?? ''}/${ref.name}`] ?? { kind: 'missing' }) as Lookup<T>);
    },
    servedKinds: () => Promise.resolve({ ok: true, kinds: new Set<string>() }),
  };
}

describe('webhook checks', () => {
  test('probe host:port with the hook timeout, and never print the path or the query', async () => {
    const { asked, probe } = fakeProbe({ 'tests.example.com': { outcome: 'refused', code: 'ECONNREFUSED' } });
    const lines = await webhookChecks(
      canary([
        { name: 'load', type: 'rollout', url: 'http://load.example.com:8080/begin-load?token=s3cret', timeout: '30s' },
        { name: 'gate', type: 'confirm-promotion', url: 'https://user:pw@tests.example.com/approve' },
      ]),
      { probe },
    );
    assert.deepEqual(asked, ['load.example.com:8080/30000', 'tests.example.com:443/10000']);
    assert.deepEqual(
      lines.map((l) => `${l.status} ${l.message}`),
      [
        'pass load (rollout) → load.example.com:8080 reachable',
        'fail gate (confirm-promotion) → tests.example.com:443: connection refused',
      ],
    );
    assert.doesNotMatch(JSON.stringify(lines), /s3cret|begin-load|approve|user:|pw@/);
  });

  test('say which failure it was: DNS, timeout, unreachable, or a URL that is not http(s)', async () => {
    const { probe } = fakeProbe({
      'nowhere.example': { outcome: 'dns-failure', code: 'ENOTFOUND' },
      'slow.example': { outcome: 'timeout' },
      '10.9.9.9': { outcome: 'unreachable', code: 'EHOSTUNREACH' },
    });
    const lines = await webhookChecks(
      canary([
        { name: 'a', url: 'http://nowhere.example/x' },
        { name: 'b', url: 'http://slow.example/x', timeout: '2s' },
        { name: 'c', url: 'http://10.9.9.9/x' },
        { name: 'd', url: 'ftp://files.example/secret-path' },
        { name: 'e', url: 'not a url' },
      ]),
      { probe },
    );
    assert.deepEqual(
      lines.map((l) => l.message),
      [
        'a (rollout) → nowhere.example:80: DNS failure (ENOTFOUND): the name does not resolve from here',
        "b (rollout) → slow.example:80: no TCP connection within 2s (the hook's timeout)",
        'c (rollout) → 10.9.9.9:80: unreachable (EHOSTUNREACH)',
        'd (rollout): url has scheme ftp; webhooks are http or https',
        'e (rollout): url is not a valid URL',
      ],
    );
    assert.ok(lines.every((l) => l.status === 'fail'));
  });

  test('an in-cluster name that does not resolve here is checked as a Service instead', async () => {
    const { probe } = fakeProbe({
      'loadtester.test': { outcome: 'dns-failure', code: 'ENOTFOUND' },
      'gone.test.svc.cluster.local': { outcome: 'dns-failure', code: 'ENOTFOUND' },
      'other.test': { outcome: 'dns-failure', code: 'ENOTFOUND' },
    });
    const service = (port: number): Lookup => ({
      kind: 'found',
      from: 'cluster',
      object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port }] } },
    });
    const r = reader({ 'test/loadtester': service(80), 'test/other': service(8080) });
    const lines = await webhookChecks(
      canary([
        { name: 'a', url: 'http://loadtester.test/' },
        { name: 'b', url: 'http://gone.test.svc.cluster.local/' },
        { name: 'c', url: 'http://other.test/' },
      ]),
      { probe, reader: r },
    );
    assert.deepEqual(r.asked, ['Service test/loadtester', 'Service test/gone', 'Service test/other']);
    assert.deepEqual(
      lines.map((l) => `${l.status} ${l.message}`),
      [
        'warn a (rollout) → loadtester.test:80: resolves only inside the cluster; Service test/loadtester exists with port 80 (not connected from here)',
        'fail b (rollout) → gone.test.svc.cluster.local:80: DNS failure, and no Service test/gone exists in the cluster',
        'fail c (rollout) → other.test:80: Service test/other exists but has no port 80 (it has 8080)',
      ],
    );
  });
});

describe('the TCP probe', () => {
  test('connects and closes without sending a byte: the server sees a connection and no request', async () => {
    const requests: string[] = [];
    let connections = 0;
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end();
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      assert.deepEqual(await probeTcp('127.0.0.1', port, 2000), { outcome: 'reachable' });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(connections, 1);
      assert.deepEqual(requests, []);
    } finally {
      await new Promise((r) => server.close(r));
    }
    assert.deepEqual(await probeTcp('127.0.0.1', port, 2000), { outcome: 'refused', code: 'ECONNREFUSED' });
  });

  test('a name that does not resolve is a DNS failure', async () => {
    const result = await probeTcp('no-such-host.invalid', 80, 3000);
    assert.ok(result.outcome === 'dns-failure' || result.outcome === 'timeout', JSON.stringify(result));
  });
});
