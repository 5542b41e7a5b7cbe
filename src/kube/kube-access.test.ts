import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadKubeAccess } from './kube-access.js';

const dir = mkdtempSync(join(tmpdir(), 'serin-kube-access-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

async function optionsOf(path: string): Promise<RequestOptions> {
  const access = await loadKubeAccess(path);
  const opts: RequestOptions = { headers: { accept: 'application/json' } };
  await access.applyToHTTPSOptions(opts);
  return opts;
}

describe('the operator reads a kubeconfig without client-node', () => {
  test('client certificate, key and CA from inline data, and the server of the current context', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const path = kubeconfig(
      'certs.json',
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      { 'certificate-authority-data': b64('CA') },
    );
    assert.equal((await loadKubeAccess(path)).getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    const opts = await optionsOf(path);
    assert.deepEqual([opts.cert, opts.key, opts.ca], [Buffer.from('CERT'), Buffer.from('KEY'), Buffer.from('CA')]);
    assert.deepEqual(opts.headers, { accept: 'application/json' }, 'no bearer token without one');
  });

  test('a token file relative to the kubeconfig is read again once the kubelet rotated it', async (t) => {
    writeFileSync(join(dir, 'token'), 'first\n');
    const access = await loadKubeAccess(
      kubeconfig('tokens.json', { tokenFile: 'token' }, { 'insecure-skip-tls-verify': true }),
    );
    const bearer = async () => {
      const opts: RequestOptions = {};
      await access.applyToHTTPSOptions(opts);
      assert.equal(opts.rejectUnauthorized, false);
      return (opts.headers as Record<string, string>).authorization;
    };
    assert.equal(await bearer(), 'Bearer first');
    writeFileSync(join(dir, 'token'), 'second\n');
    utimesSync(join(dir, 'token'), new Date(), new Date(Date.now() + 5_000));
    assert.equal(await bearer(), 'Bearer first', 'read at most once a minute');
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 61_000 });
    assert.equal(await bearer(), 'Bearer second');
  });

  test('an exec plugin (aws eks get-token) is handed to client-node, which runs it', async () => {
    const path = kubeconfig('exec.json', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'exit 3'] },
    });
    const access = await loadKubeAccess(path);
    assert.equal(access.constructor.name, 'KubeConfig');
    assert.equal(access.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  });

  test('a kubeconfig whose current context is missing is refused by name', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, JSON.stringify({ 'current-context': 'gone', contexts: [] }));
    await assert.rejects(loadKubeAccess(path), /kubeconfig .*broken\.json: no context named "gone"/);
  });
});
