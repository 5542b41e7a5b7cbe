/**
 * Two `serin operator` processes with leader election: one acts, the other waits; when the leader
 * is killed mid-release, the other takes the Lease over and finishes the release from its status.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { canaryEventList, operatorProcess, readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';
import { KubeRest } from '../../src/kube/rest.js';

const kc = testKubeConfig();
const coordination = kc.makeApiClient(CoordinationV1Api);
const ELECTION = [
  '--enable-leader-election',
  '--lease-duration',
  '3s',
  '--renew-deadline',
  '2s',
  '--retry-period',
  '500ms',
];

async function holder(ns: string): Promise<string | undefined> {
  const lease = await coordination.readNamespacedLease({ name: 'flagger-leader-election', namespace: ns });
  return lease.spec?.holderIdentity || undefined;
}

/** The identity a process campaigns under, from its log. */
async function identityOf(log: string): Promise<string> {
  return eventually('the campaign log line', async () => {
    const line = (await readFile(log, 'utf8')).split('\n').find((l) => l.includes('campaigning for leader'));
    return line ? (JSON.parse(line) as { identity: string }).identity : undefined;
  });
}

test('with leader election one replica acts; killing it hands the release to the other', async (t) => {
  const ns = await freshNamespace(t, kc, 'ha');
  await apply(
    appConfigMap(ns, 'account', { k: 'v1' }),
    appDeployment(ns, 'account', { replicas: 1 }),
    seedLikeCanary(ns, 'account', { hpa: false, analysis: { interval: '1s', stepWeight: 10, maxWeight: 60 } }),
  );
  const a = operatorProcess(t, ns, 'ha-a', ELECTION);
  const idA = await identityOf(a.log);
  await eventually('a holds the Lease', async () => ((await holder(ns)) === idA ? true : undefined));
  const b = operatorProcess(t, ns, 'ha-b', ELECTION);
  const idB = await identityOf(b.log);
  await eventually('b sees a as the leader', async () =>
    (await readFile(b.log, 'utf8')).includes(`Another instance has been elected as leader: ${idA}`) ? true : undefined,
  );
  await waitForPhase(ns, 'account', 'Initialized', 60_000);
  await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
  await eventually(
    'weight 20',
    async () => ((await readCanary(ns, 'account')).status?.canaryWeight ?? 0) >= 20 || undefined,
    60_000,
  );
  assert.equal(await holder(ns), idA);
  const countOf = (events: { message: string; count: number }[], pattern: RegExp) =>
    events.filter((e) => pattern.test(e.message)).reduce((n, e) => n + e.count, 0);
  const before = await canaryEventList(ns, 'account');
  assert.equal(countOf(before, /Advance account\.\S+ canary weight 10$/), 1, 'one replica acted, once');

  a.child.kill('SIGKILL');
  await eventually('b takes the Lease over', async () => ((await holder(ns)) === idB ? true : undefined), 30_000);
  await waitForPhase(ns, 'account', 'Succeeded', 90_000);
  const events = await canaryEventList(ns, 'account');
  assert.equal(countOf(events, /New revision detected/), 1, 'b continued the release; it did not start over');
  assert.equal(countOf(events, /Initialization done/), 1);
});

test('a leader whose Lease is taken over stops acting at once and says so', async (t) => {
  const ns = await freshNamespace(t, kc, 'ha-lost');
  let lost = 0;
  const operator = await startTestOperator(t, ns, {
    leaderElection: { namespace: ns, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 },
    onLostLeadership: () => void lost++,
  });
  await eventually('elected', () => Promise.resolve(operator.isLeader() || undefined));
  // Another replica writes the Lease (raw JSON: client-node cannot write MicroTime fields).
  const rest = new KubeRest(kc);
  const path = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/flagger-leader-election`;
  const lease = await rest.json<{ spec: Record<string, unknown> }>(path);
  const now = new Date().toISOString().replace('Z', '000Z');
  const res = await rest.request(path, {
    method: 'PUT',
    body: { ...lease, spec: { ...lease.spec, holderIdentity: 'someone-else', renewTime: now, acquireTime: now } },
  });
  assert.equal(res.status, 200, res.body);
  await eventually('leadership lost', () => Promise.resolve(lost === 1 || undefined), 5000);
  assert.equal(operator.isLeader(), false);
});
