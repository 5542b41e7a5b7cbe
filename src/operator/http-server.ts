import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** The operator's HTTP endpoints: `/metrics` (Prometheus), `/healthz` (alive), `/readyz` (caches synced). */
export function startHttpServer(
  port: number,
  deps: { readonly registry: Registry; readonly ready: () => boolean },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    } else if (path === '/readyz') {
      const ready = deps.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'OK' : 'caches not synced');
    } else if (path === '/metrics') {
      deps.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': deps.registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    } else {
      res.writeHead(404).end();
    }
  });
  server.requestTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}
