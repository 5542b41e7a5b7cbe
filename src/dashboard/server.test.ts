import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { KubeRest } from '../kube/rest.js';
import { AccessCache, type AccessReview } from './access.js';
import { Authenticator, type ReviewedUser } from './auth.js';
import { canary, event, FakeApi } from './fake-api.test-support.js';
import type { FleetDelta, FleetSnapshot, ReleaseView } from './model.js';
import { ReleaseViews } from './release-view.js';
import { dashboardHandler, listenDashboard, type DashboardServerDeps } from './server.js';
import { OneTimeToken, SessionStore } from './sessions.js';
import { DashboardMode } from './settings.js';
import { StreamHub } from './stream.js';
import { DashboardCache } from './watch-cache.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Who may list and patch where: `user` → namespaces. */
function rbac(list: Record<string, string[]>, patch: Record<string, string[]> = {}): AccessReview {
  return (viewer, q) => {
    const where = (q.verb === 'patch' ? patch : list)[viewer.user] ?? [];
    const allowed = where.includes('*') || (q.namespace !== '' && where.includes(q.namespace));
    return Promise.resolve(allowed ? { allowed } : { allowed, reason: `RBAC: ${viewer.user} may not ${q.verb}` });
  };
}

const TOKENS: Record<string, ReviewedUser> = {
  'token-ann': { user: 'ann', groups: [] },
  'token-bob': { user: 'bob', groups: [] },
};

async function serve(
  t: TestContext,
  api: FakeApi,
  mode: DashboardMode,
  review: AccessReview = rbac({ me: ['*'], ann: ['*'] }),
) {
  const log = pino({ level: 'silent' });
  const cache = new DashboardCache(api.rest(), { onChange: (c) => hub.changed(c) });
  await cache.start();
  const access = new AccessCache(review, { ttlMs: 50 });
  const views = new ReleaseViews(cache, () => Promise.resolve(undefined));
  const hub = new StreamHub({ cache, access, views, log }, { flushMs: 100 });
  const sessions = new SessionStore();
  const oneTimeToken = new OneTimeToken();
  const auth = new Authenticator(
    {
      sessions,
      reviewToken: (token) => Promise.resolve(TOKENS[token]),
      localUser: () => 'me',
      oneTimeToken,
      secret: 'test',
    },
    { mode },
  );
  const writes: { path: string; method: string }[] = [];
  const userRest = {
    request: (path: string, opts: { method?: string } = {}) => {
      writes.push({ path, method: opts.method ?? 'GET' });
      const [, ns = '', name = ''] = /namespaces\/([^/]+)\/canaries\/([^/?]+)/.exec(path) ?? [];
      const body = JSON.stringify(cache.canary(`${ns}/${name}`) ?? {});
      return Promise.resolve({ status: cache.canary(`${ns}/${name}`) ? 200 : 404, body });
    },
  } as unknown as KubeRest;
  const deps: DashboardServerDeps = {
    log,
    mode,
    cache,
    access,
    views,
    hub,
    auth,
    restFor: () => userRest,
    assets: () => Promise.resolve({ js: 'export {};', css: 'body{}' }),
    shell: () => '<!doctype html><div id="app"></div>',
    sessionCookie: (s, secure) => sessions.cookie(s, secure),
  };
  const running = await listenDashboard(deps, { address: '127.0.0.1', port: 0 });
  t.after(async () => {
    cache.stop();
    await running.stop();
  });
  return { base: running.url, token: oneTimeToken.value, cache, writes, deps, port: running.port };
}

function sse(url: string, headers: Record<string, string>) {
  const messages: { event: string; data: unknown }[] = [];
  const req = request(url, { headers }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name && data) messages.push({ event: name, data: JSON.parse(data) });
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { messages, close: () => req.destroy() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => T | undefined, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

test('local mode: the one-time token opens one session, then never again', async (t) => {
  const api = new FakeApi();
  const { base, token } = await serve(t, api, DashboardMode.Local);
  assert.equal((await call(`${base}/api/fleet`)).status, 401);
  const page = await call(`${base}/`, { headers: { accept: 'text/html' } });
  assert.equal(page.status, 401);
  assert.match(page.body, /serin dashboard/);
  const first = await call(`${base}/canaries/a/b?token=${token}&x=1`);
  assert.equal(first.status, 303);
  assert.equal(first.headers.location, '/canaries/a/b?x=1');
  const cookie = String(first.headers['set-cookie']).split(';')[0] ?? '';
  assert.equal((await call(`${base}/?token=${token}`)).status, 401);
  const session = JSON.parse((await call(`${base}/api/session`, { headers: { cookie } })).body);
  assert.deepEqual(Object.keys(session).sort(), ['csrfToken', 'mode', 'user']);
  assert.equal(session.user, 'me');
});

test('local mode: another Host (DNS rebinding) or a peer that is not loopback is refused', async (t) => {
  const api = new FakeApi();
  const { base, deps, port } = await serve(t, api, DashboardMode.Local);
  const rebound = await call(`${base}/`, { headers: { host: `evil.example:${port}` } });
  assert.equal(rebound.status, 403);
  assert.match(JSON.parse(rebound.body).error, /answers only as 127\.0\.0\.1:\d+ or localhost:\d+/);
  // A peer on another address, as a handler sees it (the socket itself listens on 127.0.0.1 only).
  const handler = dashboardHandler(deps, () => port);
  let status = 0;
  const res = {
    headersSent: false,
    writeHead: (s: number) => ((status = s), res),
    end: () => undefined,
  };
  const req = { socket: { remoteAddress: '192.0.2.7' }, headers: { host: `127.0.0.1:${port}` }, url: '/' };
  await handler(req as never, res as never);
  assert.equal(status, 403);
});

test('every answer carries the CSP, nosniff, no-referrer and no-store; JSON escapes markup', async (t) => {
  const api = new FakeApi();
  api.put(canary('shop', 'app'));
  api.put(event('shop', 'app', 'e1', '<script>alert(1)</script>', '2026-01-01T00:00:01Z'));
  const { base } = await serve(t, api, DashboardMode.Cluster);
  const answers = [
    await call(`${base}/api/fleet`),
    await call(`${base}/login`),
    await call(`${base}/api/fleet`, { headers: { authorization: 'Bearer token-ann' } }),
    await call(`${base}/`, { headers: { authorization: 'Bearer token-ann' } }),
  ];
  for (const a of answers) {
    assert.match(
      String(a.headers['content-security-policy']),
      /^default-src 'none'; script-src 'self'; style-src 'self'/,
    );
    assert.match(String(a.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(a.headers['x-content-type-options'], 'nosniff');
    assert.equal(a.headers['referrer-policy'], 'no-referrer');
    assert.equal(a.headers['cache-control'], 'no-store');
  }
  const fleet = answers[2]?.body ?? '';
  assert.ok(!fleet.includes('<script>'));
  assert.equal((JSON.parse(fleet) as FleetSnapshot).rows[0]?.lastEvent?.message, '<script>alert(1)</script>');
  const js = await call(`${base}/assets/app.js`);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(
    (await call(`${base}/assets/app.js`, { headers: { 'if-none-match': String(js.headers.etag) } })).status,
    304,
  );
});

test('a viewer never sees namespaces they may not list: not in the fleet, the release view or the stream', async (t) => {
  const api = new FakeApi();
  api.put(canary('mine', 'app', { phase: 'Progressing', canaryWeight: 10 }));
  api.put(canary('theirs', 'app'));
  const { base } = await serve(t, api, DashboardMode.Cluster, rbac({ ann: ['mine'] }));
  const ann = { authorization: 'Bearer token-ann' };
  const fleet = JSON.parse((await call(`${base}/api/fleet`, { headers: ann })).body) as FleetSnapshot;
  assert.deepEqual(
    fleet.rows.map((r) => r.namespace),
    ['mine'],
  );
  assert.equal((await call(`${base}/api/canaries/theirs/app`, { headers: ann })).status, 404);
  assert.equal((await call(`${base}/api/stream?canary=theirs/app`, { headers: ann })).status, 404);
  const stream = sse(`${base}/api/stream`, ann);
  t.after(stream.close);
  await until(() => stream.messages[0]);
  api.put(canary('theirs', 'app', { canaryWeight: 50 }));
  api.put(canary('mine', 'app', { phase: 'Progressing', canaryWeight: 20 }));
  await until(() => stream.messages.find((m) => (m.data as FleetDelta).upserts?.some((r) => r.weight === 20)));
  const seen = stream.messages.flatMap((m) => (m.data as FleetDelta).upserts.map((r) => r.namespace));
  assert.deepEqual([...new Set(seen)], ['mine']);
});

test('changes within 100 ms reach a stream as one delta; a followed canary gets its release view', async (t) => {
  const api = new FakeApi();
  api.put(canary('shop', 'a', { phase: 'Progressing', canaryWeight: 10 }));
  api.put(canary('shop', 'b', { phase: 'Progressing', canaryWeight: 10 }));
  const { base } = await serve(t, api, DashboardMode.Cluster);
  const stream = sse(`${base}/api/stream?canary=shop/a`, { authorization: 'Bearer token-ann' });
  t.after(stream.close);
  await until(() => stream.messages.find((m) => m.event === 'release'));
  const before = stream.messages.length;
  api.put(canary('shop', 'a', { phase: 'Progressing', canaryWeight: 20 }));
  api.put(canary('shop', 'b', { phase: 'Progressing', canaryWeight: 20 }));
  api.remove(canary('shop', 'b'));
  const release = await until(() =>
    stream.messages.slice(before).find((m) => m.event === 'release' && (m.data as ReleaseView).row.weight === 20),
  );
  const fleet = stream.messages.slice(before).filter((m) => m.event === 'fleet');
  assert.equal(fleet.length, 1, 'one batched delta');
  assert.deepEqual(fleet[0]?.data, {
    upserts: [(release.data as ReleaseView).row],
    deletes: ['shop/b'],
  });
  assert.deepEqual(
    (release.data as ReleaseView).weights.map((w) => w.weight),
    [10, 20],
  );
});

test('a canary with a garbage spec is still a row, and the release view does not fail', async (t) => {
  const api = new FakeApi();
  api.put(canary('shop', 'junk', { canaryWeight: 'lots', conditions: 'no' }, { analysis: 'nope', targetRef: 7 }));
  api.put({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { namespace: 'shop', name: 'bare' } });
  const { base } = await serve(t, api, DashboardMode.Cluster);
  const ann = { authorization: 'Bearer token-ann' };
  const fleet = JSON.parse((await call(`${base}/api/fleet`, { headers: ann })).body) as FleetSnapshot;
  assert.deepEqual(
    fleet.rows.map((r) => [r.name, r.weight, r.maxWeight, r.threshold, r.target]),
    [
      ['bare', 0, 100, 1, ''],
      ['junk', 0, 100, 1, ''],
    ],
  );
  const view = await call(`${base}/api/canaries/shop/junk`, { headers: ann });
  assert.equal(view.status, 200);
  assert.deepEqual((JSON.parse(view.body) as ReleaseView).checks, []);
});

test('the API server going away: the fleet is served from the cache with the problem, then follows again', async (t) => {
  const api = new FakeApi();
  api.put(canary('shop', 'app', { canaryWeight: 10 }));
  const { base, cache } = await serve(t, api, DashboardMode.Cluster);
  const ann = { authorization: 'Bearer token-ann' };
  api.down = true;
  api.breakWatches();
  await until(() => (cache.health().synced ? undefined : true));
  const during = JSON.parse((await call(`${base}/api/fleet`, { headers: ann })).body) as FleetSnapshot;
  assert.equal(during.rows[0]?.weight, 10);
  assert.match(during.problem ?? '', /ECONNREFUSED/);
  api.down = false;
  api.put(canary('shop', 'app', { canaryWeight: 30 }));
  await until(() => (cache.health().synced && cache.row('shop/app')?.weight === 30 ? true : undefined), 5000);
  const back = JSON.parse((await call(`${base}/api/fleet`, { headers: ann })).body) as FleetSnapshot;
  assert.equal(back.problem, undefined);
  assert.equal(back.rows[0]?.weight, 30);
});

test('actions: CSRF and Origin checked, RBAC refusal with its reason, phase refusal 409, else written', async (t) => {
  const api = new FakeApi();
  api.put(canary('shop', 'app', { phase: 'Progressing', canaryWeight: 10 }));
  api.put(canary('shop', 'new'));
  const { base, writes } = await serve(
    t,
    api,
    DashboardMode.Cluster,
    rbac({ ann: ['*'], bob: ['*'] }, { ann: ['shop'] }),
  );
  const session = async (token: string) =>
    JSON.parse((await call(`${base}/api/session`, { headers: { authorization: `Bearer ${token}` } })).body) as {
      csrfToken: string;
    };
  const post = (token: string, action: string, headers: Record<string, string>) =>
    call(`${base}/api/canaries/shop/app/actions/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
  const ann = await session('token-ann');
  const json = { 'content-type': 'application/json' };
  assert.equal((await call(`${base}/api/canaries/shop/app/actions/pause`, { method: 'POST' })).status, 401);
  assert.equal((await post('token-ann', 'pause', json)).status, 403, 'no CSRF token');
  assert.equal((await post('token-ann', 'pause', { 'x-csrf-token': ann.csrfToken })).status, 403, 'not JSON');
  const crossOrigin = await post('token-ann', 'pause', {
    ...json,
    'x-csrf-token': ann.csrfToken,
    origin: 'http://evil',
  });
  assert.equal(crossOrigin.status, 403);
  const bob = await session('token-bob');
  assert.notEqual(bob.csrfToken, ann.csrfToken);
  const refused = await post('token-bob', 'pause', { ...json, 'x-csrf-token': bob.csrfToken });
  assert.equal(refused.status, 403);
  assert.equal(JSON.parse(refused.body).error, 'RBAC: bob may not patch');
  assert.equal(writes.length, 0, 'nothing was written so far');
  const resume = await post('token-ann', 'resume', { ...json, 'x-csrf-token': ann.csrfToken });
  assert.equal(resume.status, 200);
  const retry = await post('token-ann', 'retry', { ...json, 'x-csrf-token': ann.csrfToken });
  assert.equal(retry.status, 200, retry.body);
  assert.deepEqual(
    writes.map((w) => w.method),
    ['PATCH', 'GET', 'PATCH'],
  );
  const early = await call(`${base}/api/canaries/shop/new/actions/abort`, {
    method: 'POST',
    headers: { authorization: 'Bearer token-ann', ...json, 'x-csrf-token': ann.csrfToken },
  });
  assert.equal(early.status, 409);
  assert.match(JSON.parse(early.body).error, /not initialized yet/);
  assert.match(writes[0]?.path ?? '', /canaries\/app\?fieldManager=serin-dashboard$/);
  const unknown = await post('token-ann', 'explode', { ...json, 'x-csrf-token': ann.csrfToken });
  assert.equal(unknown.status, 404);
});
