/**
 * What users experience from the HTTPRoutes Serin writes during Gateway API releases: the real
 * operator on the real cluster writes the route, and a gateway's routing rules (test/sim/http-route.ts)
 * send simulated users' requests through the live object — session affinity by cookie, A/B by header,
 * mirroring that never answers the client.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, gatewayApiCanary } from '../support/fixtures.js';
import { startGate } from '../support/gate.js';
import { readCanary, startTestOperator, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';
import { CookieJar, routeRequest, type SimRequest } from '../sim/http-route.js';
import { seededRandom } from '../sim/seeded-random.js';

const kc = testKubeConfig();
const rest = new KubeRest(kc);

type Route = { spec: { rules: Record<string, unknown>[] } };

async function liveRoute(ns: string): Promise<Route> {
  return rest.json<Route>(`/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/shop`);
}

/** The shop Deployment and a Gateway API Canary for it (interval 1 s) with these analysis fields. */
async function release(t: Parameters<typeof startTestOperator>[0], prefix: string, analysis: Record<string, unknown>) {
  const ns = await freshNamespace(t, kc, prefix);
  const canary = gatewayApiCanary(ns, 'shop', 'public', analysis);
  await apply(
    appDeployment(ns, 'shop', { replicas: 1 }),
    appConfigMap(ns, 'shop', { 'app.properties': 'v=1' }),
    canary,
  );
  const operator = await startTestOperator(t, ns, { meshProvider: 'gatewayapi:v1' });
  await waitForPhase(ns, 'shop', 'Initialized', 60_000);
  return { ns, log: operator.logFile };
}

/** How many analysis ticks the operator's log shows for the canary. */
async function ticks(log: string, ns: string): Promise<number> {
  return (await readFile(log, 'utf8')).split(`"canary":"${ns}/shop","trigger":"tick"`).length - 1;
}

describe('users through the HTTPRoutes of Gateway API releases', () => {
  test('session affinity: a user who reached the canary stays there, one who reached the primary stays there; after promotion the canary cookie is expired', async (t) => {
    const gate = await startGate(t);
    const { ns } = await release(t, 'gw-sticky', {
      stepWeight: 20,
      maxWeight: 40,
      sessionAffinity: { cookieName: 'canary-cookie', primaryCookieName: 'primary-cookie', maxAge: 600 },
      webhooks: [{ name: 'hold', type: 'confirm-traffic-increase', url: gate.url }],
    });
    gate.allow('shop', 1); // 0 → 20, then the weight holds
    await setImage(ns, 'shop', 'registry.example.com/shop/shop:2.0.0');
    const status = await eventually(
      'weight 20 with a canary cookie',
      async () => {
        const s = (await readCanary(ns, 'shop')).status;
        return s?.canaryWeight === 20 && s.sessionAffinityCookie ? s : undefined;
      },
      60_000,
    );
    const cookie = status.sessionAffinityCookie ?? '';
    assert.match(cookie, /^canary-cookie=[A-Za-z]{10}$/);
    assert.match(status.primarySessionAffinityCookie ?? '', /^primary-cookie=[A-Za-z]{10}$/);

    const route = await liveRoute(ns);
    const random = seededRandom(11);
    const sides = { 'shop-canary': 0, 'shop-primary': 0 };
    for (let user = 0; user < 200; user++) {
      const jar = new CookieJar();
      const first = routeRequest(route.spec, { path: '/' }, random);
      jar.receive(first.responseHeaders);
      const side = first.backend as keyof typeof sides;
      sides[side]++;
      assert.ok(jar.has(side === 'shop-canary' ? 'canary-cookie' : 'primary-cookie'), `user ${user} got a cookie`);
      for (let again = 0; again < 5; again++) {
        const next = routeRequest(route.spec, { path: '/cart', headers: jar.header() }, random);
        assert.equal(next.backend, side, `user ${user} stays on ${side}`);
      }
    }
    t.diagnostic(`first requests: ${JSON.stringify(sides)}`);
    assert.ok(sides['shop-canary'] >= 20 && sides['shop-canary'] <= 60, 'about 20% of new users reach the canary');

    gate.open();
    const done = await waitForPhase(ns, 'shop', 'Succeeded', 60_000);
    assert.equal(done.status?.previousSessionAffinityCookie, cookie);
    const jar = new CookieJar();
    jar.receive([{ name: 'Set-Cookie', value: `${cookie}; Max-Age=600` }]);
    const after = routeRequest((await liveRoute(ns)).spec, { path: '/', headers: jar.header() }, random);
    assert.equal(after.backend, 'shop-primary');
    jar.receive(after.responseHeaders);
    assert.ok(!jar.has('canary-cookie'), 'the promoted release expires the canary cookie');
  });

  test('A/B: only requests with the insider header reach the canary during its iterations, then all go to the promoted primary', async (t) => {
    const gate = await startGate(t);
    const { ns } = await release(t, 'gw-ab', {
      iterations: 3,
      match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
      webhooks: [{ name: 'hold', type: 'confirm-promotion', url: gate.url }],
    });
    await setImage(ns, 'shop', 'registry.example.com/shop/shop:2.0.0');
    await waitForPhase(ns, 'shop', 'WaitingPromotion', 60_000);
    const route = await liveRoute(ns);
    const random = seededRandom(5);
    const insider: SimRequest = { path: '/', headers: { 'X-Canary': 'insider' } };
    const outsider: SimRequest = { path: '/', headers: { 'X-Canary': 'someone' } };
    for (let i = 0; i < 100; i++) {
      assert.equal(routeRequest(route.spec, insider, random).backend, 'shop-canary');
      assert.equal(routeRequest(route.spec, outsider, random).backend, 'shop-primary');
      assert.equal(routeRequest(route.spec, { path: '/' }, random).backend, 'shop-primary');
    }
    gate.open();
    await waitForPhase(ns, 'shop', 'Succeeded', 60_000);
    const promoted = await liveRoute(ns);
    assert.equal(routeRequest(promoted.spec, insider, random).backend, 'shop-primary');
  });

  test('mirroring (blue/green): the canary gets a copy of every request, the client is answered by the primary', async (t) => {
    const gate = await startGate(t);
    const { ns } = await release(t, 'gw-mirror', {
      iterations: 3,
      mirror: true,
      webhooks: [{ name: 'hold', type: 'confirm-promotion', url: gate.url }],
    });
    await setImage(ns, 'shop', 'registry.example.com/shop/shop:2.0.0');
    const route = await eventually(
      'the mirrored route',
      async () => {
        const r = await liveRoute(ns);
        return routeRequest(r.spec, { path: '/' }, () => 0).mirrors.length > 0 ? r : undefined;
      },
      60_000,
    );
    const random = seededRandom(3);
    for (let i = 0; i < 100; i++) {
      const routed = routeRequest(route.spec, { path: '/', method: 'POST' }, random);
      assert.equal(routed.backend, 'shop-primary', 'the client is answered by the primary');
      assert.deepEqual(routed.mirrors, ['shop-canary'], 'the canary sees a copy');
    }
    gate.open();
    await waitForPhase(ns, 'shop', 'Succeeded', 60_000);
    assert.deepEqual(routeRequest((await liveRoute(ns)).spec, { path: '/' }, random).mirrors, []);
  });

  test("another controller's annotation on the route survives 10 analysis ticks and causes no write (Flagger #1732)", async (t) => {
    const { ns, log } = await release(t, 'gw-foreign', { stepWeight: 20, maxWeight: 40 });
    const path = `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/shop`;
    const annotated = await rest.json<{ metadata: { resourceVersion: string } }>(path, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: {
        metadata: { annotations: { 'application-networking.k8s.aws/lattice-assigned-domain-name': 'shop.lattice' } },
      },
    });
    const from = await ticks(log, ns);
    await eventually('10 analysis ticks', async () => ((await ticks(log, ns)) >= from + 10 ? true : undefined), 30_000);
    const route = await rest.json<{ metadata: { resourceVersion: string; annotations?: Record<string, string> } }>(
      path,
    );
    assert.equal(
      route.metadata.annotations?.['application-networking.k8s.aws/lattice-assigned-domain-name'],
      'shop.lattice',
    );
    assert.equal(route.metadata.resourceVersion, annotated.metadata.resourceVersion, 'no write in 10 ticks');
  });
});
