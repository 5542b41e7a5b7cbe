/**
 * A webhook gate on a real local HTTP server (a confirm-* hook's receiver): each canary may pass a
 * given number of times, after that it waits until the gate is opened.
 */
import { createServer, type Server } from 'node:http';

export interface Gate {
  readonly url: string;
  /** Lets canary `name` pass `times` more times while the gate is closed. */
  allow(name: string, times: number): void;
  /** Lets every canary pass from now on. */
  open(): void;
}

export async function startGate(t: { after(fn: () => unknown): void }): Promise<Gate> {
  const passes = new Map<string, number>();
  let open = false;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { name = '' } = JSON.parse(body || '{}') as { name?: string };
      const left = passes.get(name) ?? 0;
      if (open || left > 0) {
        passes.set(name, left - 1);
        res.writeHead(200).end('approved');
      } else {
        res.writeHead(403).end('gate closed');
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise((done) => server.close(done)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    allow: (name, times) => passes.set(name, times),
    open: () => (open = true),
  };
}
