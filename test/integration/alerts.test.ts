/**
 * Alerts end to end: AlertProviders and their Secrets in the real cluster, the real operator, and
 * loopback HTTP servers standing in for Slack and MS Teams that record what they receive.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { canaryEvents, startTestOperator, waitForPhase } from '../support/operator.js';
import { startRecordingServer, type SeenRequest } from '../support/prometheus.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();

interface SlackBody {
  channel: string;
  username: string;
  attachments: { color: string; author_name: string; text: string; fields: { title: string; value: string }[] }[];
}

const slackTexts = (seen: readonly SeenRequest[]) =>
  seen.filter((r) => r.path === '/services/slack').map((r) => (JSON.parse(r.body) as SlackBody).attachments[0]?.text);

/**
 * A forward HTTP proxy (absolute-form requests, as clients send for `http://` targets) that records
 * the `host:port` each request was for.
 */
async function startForwardProxy(t: TestContext): Promise<{ url: string; hosts: string[] }> {
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    hosts.push(target.host);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end('upstream unreachable'));
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => server.close(() => done())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hosts };
}

describe('alerts reach the chat services the Canary names', () => {
  test('Slack (address and token from a Secret) gets every alert in order; Teams only the errors', async (t) => {
    let hookFails = false;
    const chat = await startRecordingServer((r) =>
      r.path === '/hook' && hookFails ? { status: 500, body: 'acceptance test failed' } : { status: 200, body: 'ok' },
    );
    t.after(() => chat.close());
    const proxy = await startForwardProxy(t);
    const ns = await freshNamespace(t, kc, 'alerts');
    await apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'slack-hook', namespace: ns },
        stringData: { address: `${chat.url}/services/slack`, token: 'xoxb-serin' },
      } as never,
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'AlertProvider',
        metadata: { name: 'on-call', namespace: ns },
        spec: { type: 'slack', channel: 'releases', secretRef: { name: 'slack-hook' } },
      } as never,
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'AlertProvider',
        metadata: { name: 'teams', namespace: ns },
        spec: { type: 'msteams', address: `${chat.url}/teams`, proxy: proxy.url },
      } as never,
      appConfigMap(ns, 'account', { k: 'v' }),
      appDeployment(ns, 'account', { replicas: 1 }),
      seedLikeCanary(ns, 'account', {
        hpa: false,
        analysis: {
          interval: '1s',
          threshold: 1,
          stepWeight: 50,
          maxWeight: 50,
          webhooks: [{ name: 'acceptance', type: 'rollout', url: `${chat.url}/hook` }],
          alerts: [
            { name: 'everything', severity: 'info', providerRef: { name: 'on-call' } },
            { name: 'failures', severity: 'error', providerRef: { name: 'teams', namespace: ns } },
          ],
        },
      }),
    );
    await startTestOperator(t, ns, { clusterName: 'eks-test' });
    await waitForPhase(ns, 'account', 'Initialized');
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.1.0');
    await waitForPhase(ns, 'account', 'Succeeded', 60_000);
    await eventually('the promotion alert', () =>
      Promise.resolve(
        slackTexts(chat.seen).includes('Canary analysis completed successfully, promotion finished.') || undefined,
      ),
    );

    hookFails = true;
    await setImage(ns, 'account', 'registry.example.com/shop/account:1.2.0');
    await waitForPhase(ns, 'account', 'Failed', 60_000);
    await eventually('the error alert on Teams', () =>
      Promise.resolve(chat.seen.some((r) => r.path === '/teams') || undefined),
    );

    assert.deepEqual(slackTexts(chat.seen), [
      'New Deployment detected, initialization completed.',
      'New revision detected, progressing canary analysis.',
      'Canary analysis completed successfully, promotion finished.',
      'New revision detected, progressing canary analysis.',
      'Failed checks threshold reached 1',
    ]);
    const first = chat.seen.find((r) => r.path === '/services/slack');
    assert.equal(first?.headers.authorization, 'Bearer xoxb-serin');
    const body = JSON.parse(first?.body ?? '{}') as SlackBody;
    assert.equal(body.channel, 'releases');
    assert.equal(body.username, 'flagger');
    assert.equal(body.attachments[0]?.author_name, `account.${ns}`);
    assert.deepEqual(
      body.attachments[0]?.fields.map((f) => `${f.title}: ${f.value}`),
      [
        'Cluster: eks-test',
        `Target: Deployment/account.${ns}`,
        'Failed checks threshold: 1',
        'Progress deadline: 60s',
        'Traffic routing: Weight step: 50 max: 50',
      ],
    );
    const teams = chat.seen
      .filter((r) => r.path === '/teams')
      .map((r) => JSON.parse(r.body) as Record<string, unknown>);
    assert.equal(teams.length, 1, 'the errors-only route got the one error');
    assert.deepEqual(proxy.hosts, [new URL(chat.url).host], 'Teams (spec.proxy) went through the proxy; Slack did not');
    assert.equal(teams[0]?.themeColor, 'FF0000');
    assert.deepEqual(
      (teams[0]?.sections as { activityTitle: string }[])[0]?.activityTitle,
      'Failed checks threshold reached 1',
    );
  });

  test('an operator watching one namespace (--namespace) reads an AlertProvider and its Secret from another, as Flagger does', async (t) => {
    const chat = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
    t.after(() => chat.close());
    const ns = await freshNamespace(t, kc, 'alerts-scoped');
    const shared = await freshNamespace(t, kc, 'alerts-shared');
    await apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'slack-hook', namespace: shared },
        stringData: { address: `${chat.url}/services/slack` },
      } as never,
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'AlertProvider',
        metadata: { name: 'platform', namespace: shared },
        spec: { type: 'slack', channel: 'platform-releases', secretRef: { name: 'slack-hook' } },
      } as never,
      appConfigMap(ns, 'account', { k: 'v' }),
      appDeployment(ns, 'account', { replicas: 1 }),
      seedLikeCanary(ns, 'account', {
        hpa: false,
        analysis: {
          interval: '1s',
          alerts: [{ name: 'platform', severity: 'info', providerRef: { name: 'platform', namespace: shared } }],
        },
      }),
    );
    await startTestOperator(t, ns); // watches `ns` only
    await waitForPhase(ns, 'account', 'Initialized');
    await eventually('the initialization alert', () =>
      Promise.resolve(
        slackTexts(chat.seen).includes('New Deployment detected, initialization completed.') || undefined,
      ),
    );
    const body = JSON.parse(chat.seen.find((r) => r.path === '/services/slack')?.body ?? '{}') as SlackBody;
    assert.equal(body.channel, 'platform-releases');
  });

  test('a provider that does not exist is a Warning on the Canary naming the fix; the canary initializes all the same', async (t) => {
    const ns = await freshNamespace(t, kc, 'alerts-none');
    await apply(
      appConfigMap(ns, 'account', { k: 'v' }),
      appDeployment(ns, 'account', { replicas: 1 }),
      seedLikeCanary(ns, 'account', {
        hpa: false,
        analysis: { interval: '1s', alerts: [{ name: 'pager', providerRef: { name: 'ghost' } }] },
      }),
    );
    await startTestOperator(t, ns);
    await waitForPhase(ns, 'account', 'Initialized');
    await eventually('the warning', async () => {
      const events = await canaryEvents(ns, 'account');
      return events.find((e) => /not sent/.test(e));
    });
    const events = await canaryEvents(ns, 'account');
    assert.ok(
      events.some((e) =>
        e.includes(
          `Alert "New Deployment detected, initialization completed." not sent to ${ns}/ghost: alert provider ${ns}/ghost not found: create it, or fix providerRef of alert "pager"`,
        ),
      ),
      events.join('\n'),
    );
  });

  test('canaries without analysis.alerts go to the global notifier (--slack-url, --slack-channel)', async (t) => {
    const chat = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
    t.after(() => chat.close());
    const ns = await freshNamespace(t, kc, 'alerts-global');
    await apply(
      appConfigMap(ns, 'account', { k: 'v' }),
      appDeployment(ns, 'account', { replicas: 1 }),
      seedLikeCanary(ns, 'account', { hpa: false }),
    );
    await startTestOperator(t, ns, {
      globalNotifier: { type: 'slack', url: `${chat.url}/global`, channel: 'ops', username: 'serin' },
    });
    await waitForPhase(ns, 'account', 'Initialized');
    const seen = await eventually('the global alert', () =>
      Promise.resolve(chat.seen.find((r) => r.path === '/global')),
    );
    const body = JSON.parse(seen.body) as SlackBody;
    assert.deepEqual(
      [body.channel, body.username, body.attachments[0]?.text],
      ['ops', 'serin', 'New Deployment detected, initialization completed.'],
    );
  });
});
