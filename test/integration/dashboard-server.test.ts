/**
 * `serin dashboard`'s server against a real API server, over plain HTTP (the browser tests are in
 * dashboard-browser.test.ts). Cluster mode runs with only the rights of deploy/dashboard.yaml (read
 * only), viewers sign in with ServiceAccount tokens from the TokenRequest API, so a write that
 * succeeds can only be the viewer's own. Local mode runs with the admin kubeconfig.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { FleetDelta, FleetSnapshot, ReleaseView } from '../../src/dashboard/model.js';
import { SIGN_IN_FAILURES } from '../../src/dashboard/sign-in-limit.js';
import { loadKubeAccess } from '../../src/kube/kube-access.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, serviceAccountKubeconfig, testKubeConfig } from '../support/cluster.js';
import { httpCall as call, openStream, startInProcess as start } from '../support/dashboard.js';
import { seedLikeCanary } from '../support/fixtures.js';
import { apply } from '../support/user.js';

const kc = testKubeConfig();
const admin = new KubeRest(kc);
const DASHBOARD_YAML = resolve(import.meta.dirname, '../../deploy/dashboard.yaml');
const CSP_START = "default-src 'none'; script-src 'self'";

/** A token of ServiceAccount `ns/name` from the TokenRequest API (the API server's own audience). */
async function saToken(ns: string, name: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } }).catch(() => undefined);
  const answer = await core.createNamespacedServiceAccountToken({
    name,
    namespace: ns,
    body: { spec: { expirationSeconds: 3600, audiences: ['https://kubernetes.default.svc.cluster.local'] } },
  });
  const token = answer.status?.token;
  assert.ok(token, `a token for ${ns}/${name}`);
  return token;
}

/** A Role on canaries in `ns` with `verbs`, bound to a ServiceAccount or a plain user. */
async function grant(
  ns: string,
  name: string,
  verbs: string[],
  subject: { kind: 'ServiceAccount' | 'User'; name: string },
) {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: ns,
    body: { metadata: { name }, rules: [{ apiGroups: ['flagger.app'], resources: ['canaries'], verbs }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [
        subject.kind === 'User'
          ? { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: subject.name }
          : { kind: 'ServiceAccount', name: subject.name, namespace: ns },
      ],
    },
  });
}

async function setStatus(ns: string, name: string, status: Record<string, unknown>): Promise<void> {
  await admin.json(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}/status`, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { status },
  });
}

async function readCanary(ns: string, name: string): Promise<KubeObject> {
  return admin.json<KubeObject>(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}`);
}

/** The cluster-mode world: two namespaces, a viewer, a releaser, a plain user for the proxy mode. */
async function clusterWorld(t: TestContext) {
  const docs = parseAllDocuments(await readFile(DASHBOARD_YAML, 'utf8')).map((d) => d.toJS() as KubeObject);
  const roles = docs.filter((d) => d.kind === 'ClusterRole');
  await apply(...roles);
  const mine = await freshNamespace(t, kc, 'dash-mine');
  const other = await freshNamespace(t, kc, 'dash-other');
  const kubeconfig = await serviceAccountKubeconfig(kc, mine, 'serin-dashboard');
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  for (const role of roles) {
    const name = `${role.metadata.name}-${mine}`;
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name ?? '' },
        subjects: [{ kind: 'ServiceAccount', name: 'serin-dashboard', namespace: mine }],
      },
    });
    t.after(() => rbac.deleteClusterRoleBinding({ name }).catch(() => undefined));
  }
  await grant(mine, 'viewer', ['get', 'list', 'watch'], { kind: 'ServiceAccount', name: 'viewer' });
  await grant(mine, 'releaser', ['get', 'list', 'watch', 'patch'], { kind: 'ServiceAccount', name: 'releaser' });
  await grant(mine, 'alice', ['get', 'list', 'watch', 'patch'], { kind: 'User', name: `alice-${mine}` });
  const [viewer, releaser] = [await saToken(mine, 'viewer'), await saToken(mine, 'releaser')];
  await apply(seedLikeCanary(mine, 'app'), seedLikeCanary(mine, 'held'), seedLikeCanary(other, 'secret-app'));
  await setStatus(mine, 'app', { phase: 'Progressing', canaryWeight: 20, failedChecks: 0 });
  return { mine, other, kubeconfig, viewer, releaser, alice: `alice-${mine}` };
}

test('cluster mode: tokens, RBAC as the viewer, CSRF, actions written as the viewer, live deltas, escaped events', async (t) => {
  const world = await clusterWorld(t);
  const dashboard = await start(t, { auth: 'kubernetes', address: '127.0.0.1' }, world.kubeconfig);
  const base = dashboard.running.url;
  const as = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

  await t.test('no token: 401 for the API, a redirect to /login for pages; headers on every answer', async () => {
    const api = await call(`${base}/api/fleet`);
    assert.equal(api.status, 401);
    assert.match(JSON.parse(api.body).error, /not signed in/);
    const html = await call(`${base}/`, { headers: { accept: 'text/html' } });
    assert.equal(html.status, 302);
    assert.equal(html.headers.location, '/login');
    const login = await call(`${base}/login`);
    assert.equal(login.status, 200);
    assert.match(login.body, /<form method="post" action="\/login">/);
    const bad = await call(`${base}/api/fleet`, { headers: as('not-a-token') });
    assert.equal(bad.status, 401);
    const page = await call(`${base}/`, { headers: as(world.viewer) });
    assert.equal(page.status, 200);
    for (const answer of [api, html, login, bad, page]) {
      assert.ok(String(answer.headers['content-security-policy']).startsWith(CSP_START));
      assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['referrer-policy'], 'no-referrer');
      assert.equal(answer.headers['cache-control'], 'no-store');
    }
  });

  await t.test('the bundle is served to anyone, revalidated by its ETag', async () => {
    const js = await call(`${base}/assets/app.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.ok(String(js.headers['content-security-policy']).startsWith(CSP_START));
    assert.notEqual(js.headers['cache-control'], 'no-store');
    const again = await call(`${base}/assets/app.js`, { headers: { 'if-none-match': String(js.headers.etag) } });
    assert.equal(again.status, 304);
    assert.equal((await call(`${base}/assets/app.css`)).headers['content-type'], 'text/css; charset=utf-8');
  });

  const viewerSession = JSON.parse((await call(`${base}/api/session`, { headers: as(world.viewer) })).body);
  const releaserSession = JSON.parse((await call(`${base}/api/session`, { headers: as(world.releaser) })).body);

  await t.test(
    "a viewer sees only the namespace it may list, and its actions are refused with RBAC's reason",
    async () => {
      assert.equal(viewerSession.user, `system:serviceaccount:${world.mine}:viewer`);
      assert.equal(viewerSession.mode, 'cluster');
      const fleet = await eventually('both canaries of the namespace in the fleet', async () => {
        const snapshot = JSON.parse(
          (await call(`${base}/api/fleet`, { headers: as(world.viewer) })).body,
        ) as FleetSnapshot;
        return snapshot.rows.length === 2 ? snapshot : undefined;
      });
      assert.deepEqual(fleet.rows.map((r) => `${r.namespace}/${r.name}`).sort(), [
        `${world.mine}/app`,
        `${world.mine}/held`,
      ]);
      const hidden = await call(`${base}/api/canaries/${world.other}/secret-app`, { headers: as(world.viewer) });
      assert.equal(hidden.status, 404, 'a canary in a namespace the viewer cannot list is not found');
      const hiddenStream = await call(`${base}/api/stream?canary=${world.other}/secret-app`, {
        headers: as(world.viewer),
      });
      assert.equal(hiddenStream.status, 404, 'nor can it be followed');
      const view = JSON.parse(
        (await call(`${base}/api/canaries/${world.mine}/app`, { headers: as(world.viewer) })).body,
      ) as ReleaseView;
      assert.equal(view.row.weight, 20);
      assert.ok(view.actions?.every((a) => !a.allowed && /RBAC: .* may not patch canaries/.test(a.reason ?? '')));
      const forged = await call(`${base}/api/canaries/${world.mine}/app/actions/promote`, {
        method: 'POST',
        headers: as(world.viewer, { 'content-type': 'application/json', 'x-csrf-token': viewerSession.csrfToken }),
      });
      assert.equal(forged.status, 403);
      assert.match(
        JSON.parse(forged.body).error,
        /^RBAC: system:serviceaccount:.*:viewer may not patch canaries\.flagger\.app in namespace/,
      );
    },
  );

  await t.test('an action without a session, the CSRF token or JSON, or from another origin, is refused', async () => {
    const url = `${base}/api/canaries/${world.mine}/app/actions/pause`;
    assert.equal((await call(url, { method: 'POST' })).status, 401);
    const noToken = await call(url, {
      method: 'POST',
      headers: as(world.releaser, { 'content-type': 'application/json' }),
    });
    assert.equal(noToken.status, 403);
    assert.match(JSON.parse(noToken.body).error, /x-csrf-token/);
    const form = await call(url, {
      method: 'POST',
      headers: as(world.releaser, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-csrf-token': releaserSession.csrfToken,
      }),
    });
    assert.equal(form.status, 403, 'a form post (what another site could send) is not JSON');
    assert.match(JSON.parse(form.body).error, /application\/json/);
    const elsewhere = await call(url, {
      method: 'POST',
      headers: as(world.releaser, {
        'content-type': 'application/json',
        'x-csrf-token': releaserSession.csrfToken,
        origin: 'https://evil.example',
      }),
    });
    assert.equal(elsewhere.status, 403);
    assert.equal((await readCanary(world.mine, 'app')).metadata.annotations?.['serin.dev/paused'], undefined);
    const unknown = await call(`${base}/api/canaries/${world.mine}/app/actions/explode`, {
      method: 'POST',
      headers: as(world.releaser, { 'content-type': 'application/json', 'x-csrf-token': releaserSession.csrfToken }),
    });
    assert.equal(unknown.status, 404);
    assert.match(JSON.parse(unknown.body).error, /promote, abort, retry, pause or resume/);
  });

  await t.test(
    "promote and pause are written with the viewer's token (the dashboard itself may not patch)",
    async () => {
      const post = (name: string, action: string) =>
        call(`${base}/api/canaries/${world.mine}/${name}/actions/${action}`, {
          method: 'POST',
          headers: as(world.releaser, {
            'content-type': 'application/json',
            'x-csrf-token': releaserSession.csrfToken,
          }),
        });
      const promoted = await post('app', 'promote');
      assert.equal(promoted.status, 200, promoted.body);
      assert.match(JSON.parse(promoted.body).message, /promote requested/);
      const paused = await post('held', 'pause');
      assert.equal(paused.status, 200, paused.body);
      const refused = await post('held', 'abort');
      assert.equal(refused.status, 409, 'the phase refuses it');
      assert.match(JSON.parse(refused.body).error, /not initialized yet/);
      const app = await readCanary(world.mine, 'app');
      assert.equal(app.metadata.annotations?.['serin.dev/command'], 'promote');
      const managers = (app.metadata as { managedFields?: { manager?: string }[] }).managedFields?.map(
        (f) => f.manager,
      );
      assert.ok(managers?.includes('serin-dashboard'), `managedFields: ${managers?.join(', ')}`);
      assert.equal((await readCanary(world.mine, 'held')).metadata.annotations?.['serin.dev/paused'], 'true');
      const resumed = await post('held', 'resume');
      assert.equal(resumed.status, 200, resumed.body);
      assert.equal((await readCanary(world.mine, 'held')).metadata.annotations?.['serin.dev/paused'], undefined);
      const own = await new KubeRest(await loadKubeAccess(world.kubeconfig)).request(
        `/apis/flagger.app/v1beta1/namespaces/${world.mine}/canaries/app`,
        { method: 'PATCH', contentType: 'application/merge-patch+json', body: { metadata: { labels: { x: 'y' } } } },
      );
      assert.equal(own.status, 403, "the dashboard's own ServiceAccount cannot patch canaries");
    },
  );

  await t.test('a stream gets the fleet delta within 1 s of a status patch, only for visible namespaces', async () => {
    const stream = openStream(t, `${base}/api/stream`, as(world.viewer));
    assert.equal(await stream.status, 200);
    const fleetDeltas = () => stream.frames.filter((f) => f.event === 'fleet').map((f) => f.data as FleetDelta);
    await eventually('the first fleet message', () => Promise.resolve(fleetDeltas()[0]), 5000, 20);
    // The other namespace changes first: the same watch carries it to the dashboard before the viewer's.
    await setStatus(world.other, 'secret-app', { canaryWeight: 60 });
    const patchedAt = Date.now();
    await setStatus(world.mine, 'app', { canaryWeight: 40 });
    const delta = () => fleetDeltas().find((d) => d.upserts.some((r) => r.name === 'app' && r.weight === 40));
    await eventually('the delta of the patch', () => Promise.resolve(delta()), 1000, 10);
    t.diagnostic(`delta after ${Date.now() - patchedAt} ms`);
    const namespaces = fleetDeltas().flatMap((d) => [
      ...d.upserts.map((r) => r.namespace),
      ...d.deletes.map((key) => key.split('/')[0]),
    ]);
    assert.deepEqual([...new Set(namespaces)], [world.mine], 'only the viewer\u2019s namespace, ever');
    stream.close();
  });

  await t.test('an event message with markup comes back as JSON text, not markup', async () => {
    const message = '<script>alert(1)</script> & <img src=x onerror=alert(2)>';
    await kc.makeApiClient(CoreV1Api).createNamespacedEvent({
      namespace: world.mine,
      body: {
        metadata: { name: `app.xss-${Date.now()}`, namespace: world.mine },
        involvedObject: { kind: 'Canary', apiVersion: 'flagger.app/v1beta1', name: 'app', namespace: world.mine },
        reason: 'Synced',
        message,
        type: 'Warning',
        lastTimestamp: new Date(),
        firstTimestamp: new Date(),
        count: 1,
        source: { component: 'test' },
      },
    });
    const answer = await eventually('the event in the release view', async () => {
      const a = await call(`${base}/api/canaries/${world.mine}/app`, { headers: as(world.viewer) });
      return (JSON.parse(a.body) as ReleaseView).events.some((e) => e.message === message) ? a : undefined;
    });
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    assert.ok(!answer.body.includes('<script>') && !answer.body.includes('<img'), 'no raw markup in the body');
    const fleet = JSON.parse((await call(`${base}/api/fleet`, { headers: as(world.viewer) })).body) as FleetSnapshot;
    assert.equal(fleet.rows.find((r) => r.name === 'app')?.lastEvent?.message, message);
  });

  await t.test('a session from POST /login works like the token, with its own CSRF token', async () => {
    const login = await call(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: world.viewer }).toString(),
    });
    assert.equal(login.status, 303);
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict; Path=\//);
    const session = await call(`${base}/api/session`, { headers: { cookie } });
    assert.equal(JSON.parse(session.body).user, viewerSession.user);
    const page = await call(`${base}/canaries/${world.mine}/app`, { headers: { cookie, accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="module" src="\/assets\/app\.js"><\/script>/);
  });
});

test('cluster mode: an address whose tokens are refused ten times in a minute waits (429, Retry-After); others do not', async (t) => {
  const world = await clusterWorld(t);
  const dashboard = await start(t, { auth: 'kubernetes', address: '127.0.0.1' }, world.kubeconfig);
  const base = dashboard.running.url;
  const post = (token: string) =>
    call(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
  for (let i = 1; i <= SIGN_IN_FAILURES; i++) assert.equal((await post(`guess-${i}`)).status, 401, `guess ${i}`);
  const held = await post(world.viewer);
  assert.equal(held.status, 429, 'even a good token waits: no more reviews for this address');
  assert.match(held.body, /too many refused tokens from your address: try again in \d+ s/);
  assert.ok(Number(held.headers['retry-after']) > 0 && Number(held.headers['retry-after']) <= 60);
  const header = await call(`${base}/api/fleet`, { headers: { authorization: `Bearer ${world.viewer}` } });
  assert.equal(header.status, 401, 'nor through the Authorization header');
});

test('proxy-header mode: the proxy names the user; reads filtered and writes impersonated as that user', async (t) => {
  const world = await clusterWorld(t);
  const dashboard = await start(
    t,
    { auth: 'kubernetes', address: '127.0.0.1', authProxyHeader: 'X-Forwarded-User' },
    world.kubeconfig,
  );
  const base = dashboard.running.url;
  assert.equal((await call(`${base}/api/fleet`)).status, 401, 'no header: not signed in');
  const alice = { 'x-forwarded-user': world.alice };
  const session = JSON.parse((await call(`${base}/api/session`, { headers: alice })).body);
  assert.equal(session.user, world.alice);
  const fleet = await eventually('alice sees her namespace', async () => {
    const s = JSON.parse((await call(`${base}/api/fleet`, { headers: alice })).body) as FleetSnapshot;
    return s.rows.length === 2 ? s : undefined;
  });
  assert.ok(fleet.rows.every((r) => r.namespace === world.mine));
  const paused = await call(`${base}/api/canaries/${world.mine}/held/actions/pause`, {
    method: 'POST',
    headers: { ...alice, 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
  });
  assert.equal(paused.status, 200, paused.body);
  assert.equal((await readCanary(world.mine, 'held')).metadata.annotations?.['serin.dev/paused'], 'true');
  const bob = { 'x-forwarded-user': `bob-${world.mine}` };
  const bobSession = JSON.parse((await call(`${base}/api/session`, { headers: bob })).body);
  const refused = await call(`${base}/api/canaries/${world.mine}/held/actions/resume`, {
    method: 'POST',
    headers: { ...bob, 'content-type': 'application/json', 'x-csrf-token': bobSession.csrfToken },
  });
  assert.equal(refused.status, 403);
  assert.match(JSON.parse(refused.body).error, /RBAC: bob-.* may not patch/);
});

/** A non-loopback IPv4 address of this machine, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

test('local mode: a one-time token becomes a cookie; other hosts and addresses are refused', async (t) => {
  const ns = await freshNamespace(t, kc, 'dash-local');
  await apply(seedLikeCanary(ns, 'app'));
  const dashboard = await start(t, { namespace: ns });
  const url = new URL(dashboard.url);
  const token = url.searchParams.get('token') ?? '';
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(url.hostname, '127.0.0.1');
  const base = `${url.protocol}//${url.host}`;

  const anonymous = await call(`${base}/`, { headers: { accept: 'text/html' } });
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.body, /serin dashboard/);
  assert.equal((await call(`${base}/api/fleet`)).status, 401);
  assert.equal((await call(`${base}/?token=${'0'.repeat(64)}`)).status, 401, 'a wrong token');

  const first = await call(`${base}/canaries/${ns}/app?token=${token}`);
  assert.equal(first.status, 303);
  assert.equal(first.headers.location, `/canaries/${ns}/app`, 'the token leaves the URL');
  const setCookie = String(first.headers['set-cookie']);
  assert.match(setCookie, /^serin_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\//);
  const cookie = setCookie.split(';')[0] ?? '';
  assert.equal((await call(`${base}/?token=${token}`)).status, 401, 'the token works once');

  const session = JSON.parse((await call(`${base}/api/session`, { headers: { cookie } })).body);
  assert.deepEqual(Object.keys(session).sort(), ['csrfToken', 'mode', 'user']);
  assert.equal(session.mode, 'local');
  const fleet = await eventually('the canary in the fleet', async () => {
    const s = JSON.parse((await call(`${base}/api/fleet`, { headers: { cookie } })).body) as FleetSnapshot;
    return s.rows.length === 1 ? s : undefined;
  });
  assert.equal(fleet.rows[0]?.name, 'app');
  const page = await call(`${base}/`, { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.ok(String(page.headers['content-security-policy']).startsWith(CSP_START));
  assert.equal(page.headers['x-content-type-options'], 'nosniff');

  const rebound = await call(`${base}/api/fleet`, { headers: { cookie, host: `attacker.example:${url.port}` } });
  assert.equal(rebound.status, 403, 'a Host that is not this server (DNS rebinding)');
  assert.equal((await call(`${base}/api/fleet`, { headers: { cookie, host: `localhost:${url.port}` } })).status, 200);

  const paused = await call(`${base}/api/canaries/${ns}/app/actions/pause`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': session.csrfToken, origin: base },
  });
  assert.equal(paused.status, 200, paused.body);

  const outside = outsideAddress();
  if (!outside) {
    t.diagnostic(
      'this machine has no non-loopback IPv4 address: the bind check is shown by the listening address only',
    );
    assert.equal((dashboard.running.server.address() as { address: string }).address, '127.0.0.1');
    return;
  }
  await assert.rejects(
    call(`http://${outside}:${url.port}/api/fleet`, { headers: { cookie } }),
    (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
    `connecting to ${outside} is refused: the dashboard listens on 127.0.0.1 only`,
  );
  // A peer that is not loopback, even on a connection to 127.0.0.1 (as a port forwarded with
  // route_localnet would bring one), is not the person at this machine.
  const peer = await call(`${base}/api/fleet`, { headers: { cookie }, localAddress: outside });
  assert.equal(peer.status, 403, `a peer at ${outside}`);
  assert.match(JSON.parse(peer.body).error, /answers this machine only/);
});
