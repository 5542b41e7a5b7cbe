import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

/** Runs `serin operator …` as a user would; no cluster is needed to be refused at the door. */
function operator(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/bin/serin.ts', 'operator', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' },
  });
  return { code: run.status, err: run.stderr };
}

test('serin operator with an unknown --mesh-provider stops at start with exit code 2 and the fix', () => {
  const run = operator('--mesh-provider', 'istoi');
  assert.equal(run.code, 2);
  assert.match(
    run.err,
    /--mesh-provider: "istoi" is not a provider this Serin routes; use appmesh:v1beta2 or gatewayapi:v1 or gatewayapi:v1beta1 or kubernetes/,
  );
});

test('serin operator with a bad --metrics-server stops at start with exit code 2', () => {
  const run = operator('--metrics-server', 'prometheus:9090', '--min-interval', '1x');
  assert.equal(run.code, 2);
  assert.match(run.err, /--metrics-server: "prometheus:9090" is not an http:\/\/ or https:\/\/ URL/);
  assert.match(run.err, /--min-interval: must be a duration such as 500ms/);
});
