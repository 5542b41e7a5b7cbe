import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { httpRequest, MAX_RESPONSE_BYTES } from './http-client.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly port: number;
}

/** A loopback server that records each request (with its body) and answers with `answer`. */
async function serve(t: TestContext, answer: (req: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        port: req.socket.remotePort ?? 0,
      };
      seen.push(r);
      answer(r, res);
    });
  });
  const url = await listen(t, server);
  return { url, seen };
}

async function listen(t: TestContext, server: Server): Promise<URL> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => server.close(() => done())));
  const { port } = server.address() as AddressInfo;
  return new URL(`http://127.0.0.1:${port}`);
}

describe('httpRequest', () => {
  test('answers with the status, its text and the body as UTF-8, split across chunks or not', async (t) => {
    const { url, seen } = await serve(t, (_req, res) => {
      const text = Buffer.from('{"value":"99.5 – ünïcode"}');
      res.writeHead(404, 'Not Here', { 'content-type': 'application/json' });
      res.write(text.subarray(0, 17)); // the cut falls inside a multi-byte character
      res.end(text.subarray(17));
    });
    const answer = await httpRequest(new URL('/api/v1/query?query=up', url), { headers: { 'x-scope': 'team-a' } });
    assert.deepEqual(answer, { status: 404, statusText: 'Not Here', body: '{"value":"99.5 – ünïcode"}' });
    assert.equal(seen[0]?.method, 'GET');
    assert.equal(seen[0]?.url, '/api/v1/query?query=up');
    assert.equal(seen[0]?.headers['x-scope'], 'team-a');
  });

  test('sends a body with its length, and reuses the connection for the next request', async (t) => {
    const { url, seen } = await serve(t, (_req, res) => res.end('ok'));
    const body = 'query=sum(rate(x[1m]))&time=1';
    await httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    await httpRequest(url, { method: 'POST', body });
    assert.equal(seen[0]?.body, body);
    assert.equal(seen[0]?.headers['content-length'], String(body.length));
    assert.equal(seen[1]?.port, seen[0]?.port, 'the second request went over the kept-alive connection');
  });

  test('decodes gzip and brotli answers', async (t) => {
    const { url } = await serve(t, (req, res) => {
      const brotli = req.url === '/br';
      res.writeHead(200, { 'content-encoding': brotli ? 'br' : 'gzip' });
      res.end(brotli ? brotliCompressSync('from brotli') : gzipSync('from gzip'));
    });
    assert.equal((await httpRequest(new URL('/gz', url), {})).body, 'from gzip');
    assert.equal((await httpRequest(new URL('/br', url), {})).body, 'from brotli');
  });

  test('follows redirects as fetch does: 303 and a POST’s 302 go on as GET, 307 keeps method and body', async (t) => {
    const { url, seen } = await serve(t, (req, res) => {
      if (req.url === '/see-other') res.writeHead(303, { location: '/landing' }).end();
      else if (req.url === '/found') res.writeHead(302, { location: '/landing' }).end();
      else if (req.url === '/temporary') res.writeHead(307, { location: '/landing' }).end();
      else res.end(`${req.method} ${req.body}`);
    });
    const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' };
    assert.equal((await httpRequest(new URL('/see-other', url), post)).body, 'GET ');
    assert.equal((await httpRequest(new URL('/found', url), post)).body, 'GET ');
    assert.equal(seen[1]?.headers['content-type'], undefined, 'no content-type on the GET that follows a POST');
    assert.equal((await httpRequest(new URL('/temporary', url), post)).body, 'POST {"a":1}');
  });

  test('a redirect to another origin leaves the Authorization header behind', async (t) => {
    const target = await serve(t, (req, res) => res.end(req.headers.authorization ?? 'no credentials'));
    const origin = await serve(t, (_req, res) => res.writeHead(302, { location: target.url.href }).end());
    const answer = await httpRequest(origin.url, { headers: { authorization: 'Bearer secret' } });
    assert.equal(origin.seen[0]?.headers.authorization, 'Bearer secret');
    assert.equal(answer.body, 'no credentials');
  });

  test('with redirect: manual the 3xx is the answer; a loop of redirects is an error', async (t) => {
    const { url } = await serve(t, (_req, res) => res.writeHead(302, { location: '/again' }).end('moved'));
    assert.deepEqual(await httpRequest(url, { redirect: 'manual' }), {
      status: 302,
      statusText: 'Found',
      body: 'moved',
    });
    await assert.rejects(httpRequest(url, {}), /more than 20 redirects/);
  });

  test('no answer within the signal’s time: rejects with the signal’s reason', async (t) => {
    const { url } = await serve(t, () => undefined); // never answers
    await assert.rejects(httpRequest(url, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
  });

  test('the signal also stops an answer that has begun', async (t) => {
    const { url } = await serve(t, (_req, res) => res.write('the start of a long answer'));
    await assert.rejects(httpRequest(url, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
  });

  test('nobody listening: rejects with ECONNREFUSED', async (t) => {
    const { url } = await serve(t, () => undefined);
    const closed = new URL(url.href);
    await new Promise<void>((done) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        closed.port = String((probe.address() as AddressInfo).port);
        probe.close(() => done());
      });
    });
    await assert.rejects(httpRequest(closed, {}), { code: 'ECONNREFUSED' });
  });

  test('an answer longer than the limit is refused, declared or streamed', async (t) => {
    const { url } = await serve(t, (req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': String(MAX_RESPONSE_BYTES + 1) });
        res.write('x');
        return;
      }
      const mib = Buffer.alloc(2 ** 20, 'x');
      const more = (left: number): void => {
        if (left === 0 || res.destroyed) return void res.end();
        if (res.write(mib)) more(left - 1);
        else res.once('drain', () => more(left - 1));
      };
      res.on('error', () => undefined);
      more(MAX_RESPONSE_BYTES / 2 ** 20 + 1);
    });
    await assert.rejects(httpRequest(new URL('/declared', url), {}), { code: 'ERR_RESPONSE_TOO_LONG' });
    await assert.rejects(httpRequest(new URL('/streamed', url), {}), { code: 'ERR_RESPONSE_TOO_LONG' });
  });
});

describe('httpRequest through a proxy and over TLS', () => {
  let dir = '';
  let tls: { key: string; cert: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'serin-http-client-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A forward proxy: absolute-form requests for http targets, CONNECT tunnels for https ones. */
  async function startProxy(t: TestContext) {
    const seen: string[] = [];
    const forward: RequestListener = (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const upstream = request(new URL(req.url ?? ''), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    };
    const proxy = createServer(forward);
    proxy.on('connect', (req: IncomingMessage, client, head: Buffer) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    return { url: await listen(t, proxy), seen };
  }

  async function startHttps(t: TestContext): Promise<URL> {
    const server = createHttpsServer(tls, (req, res) => res.end(`secure ${req.method}`));
    const url = await listen(t, server);
    url.protocol = 'https:';
    return url;
  }

  test('an http target goes to the proxy in absolute form', async (t) => {
    const proxy = await startProxy(t);
    const { url } = await serve(t, (_req, res) => res.end('through'));
    const answer = await httpRequest(new URL('/hook', url), { method: 'POST', body: '{}', proxy: proxy.url.href });
    assert.equal(answer.body, 'through');
    assert.deepEqual(proxy.seen, [`POST ${url.origin}/hook`]);
  });

  test('an https target goes through a CONNECT tunnel; a certificate nobody signed is refused unless skipped', async (t) => {
    const proxy = await startProxy(t);
    const secure = await startHttps(t);
    await assert.rejects(httpRequest(secure, { proxy: proxy.url.href }), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const answer = await httpRequest(secure, { proxy: proxy.url.href, insecureSkipVerify: true });
    assert.equal(answer.body, 'secure GET');
    assert.deepEqual(proxy.seen, [`CONNECT ${secure.host}`, `CONNECT ${secure.host}`]);
  });

  test('without a proxy: refused by default, accepted with insecureSkipVerify', async (t) => {
    const secure = await startHttps(t);
    await assert.rejects(httpRequest(secure, {}), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    assert.equal((await httpRequest(secure, { method: 'POST', insecureSkipVerify: true })).body, 'secure POST');
  });
});
