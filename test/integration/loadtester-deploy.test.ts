/**
 * deploy/loadtester.yaml: the API server stores it as written, and its container args start the
 * real `serin loadtester` command (run here as an OS process, with the namespace the downward API
 * would give it), which then answers Flagger's routes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { applyObjects, parseManifests } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const root = resolve(import.meta.dirname, '../..');

interface Container {
  args: string[];
}

describe('deploy/loadtester.yaml', () => {
  test('is stored by the API server as flagger-loadtester (Deployment + Service on port 80) and its args start serin loadtester', async (t) => {
    const path = resolve(root, 'deploy/loadtester.yaml');
    const objects = parseManifests(await readFile(path, 'utf8'), path) as unknown as KubeObject[];
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['Deployment', 'Service'],
    );
    const ns = await freshNamespace(t, kc, 'ltdeploy');
    await applyObjects(
      kc,
      objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } })),
      'test-user',
    );
    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'flagger-loadtester', namespace: ns });
    const service = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedService({ name: 'flagger-loadtester', namespace: ns });
    assert.equal(service.spec?.ports?.[0]?.port, 80);
    assert.equal(service.spec?.ports?.[0]?.targetPort, 'http');
    const container = deployment.spec?.template.spec?.containers[0] as unknown as Container;
    assert.equal(container.args[0], 'loadtester');
    assert.equal(
      deployment.spec?.template.spec?.securityContext?.runAsUser,
      65532,
      "the image's own user (its home belongs to uid 65532)",
    );

    // The kubelet substitutes $(POD_NAMESPACE); --port 0 after them keeps a test off a fixed port.
    const args = container.args.map((a) => a.replace('$(POD_NAMESPACE)', ns));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/bin/serin.ts', ...args, '--port', '0', '--address', '127.0.0.1'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    t.after(() => child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const listening = await eventually(
      'the load tester to listen',
      () => {
        const line = output.split('\n').find((l) => l.includes('load tester listening'));
        return Promise.resolve(line ? (JSON.parse(line) as { port: number; commands: boolean }) : undefined);
      },
      30_000,
    );
    assert.equal(listening.commands, false, 'commands are off as deployed');
    const url = `http://127.0.0.1:${listening.port}`;
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const check = await fetch(`${url}/gate/check`, {
      method: 'POST',
      body: JSON.stringify({ name: 'account', namespace: ns, phase: 'Progressing', checksum: '' }),
    });
    assert.deepEqual([check.status, await check.text()], [403, 'Forbidden']);
    const bare = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({
        name: 'account',
        namespace: ns,
        metadata: { cmd: 'hey -n 1 -c 1 http://nowhere-at-all:9/' },
      }),
    });
    assert.equal(bare.status, 202, `a bare Service name means the pod's namespace (${ns}) as deployed`);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    assert.equal(code, 0, `stops cleanly on SIGTERM:\n${output}`);
  });

  test('bad flags stop the command with exit code 2, naming each flag and the fix', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/bin/serin.ts', 'loadtester', '--timeout', 'soon', '--max-body-bytes', 'lots'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    assert.equal(code, 2);
    assert.match(stderr, /serin loadtester: bad flags/);
    assert.match(stderr, /--timeout: must be a duration such as 500ms, 30s or 1m30s, never negative, got "soon"/);
    assert.match(stderr, /--max-body-bytes: .*"lots"/);
  });
});
