import type { IncomingMessage } from 'node:http';

/**
 * A request's body as text, or undefined when it is longer than `max` bytes: refused from its
 * Content-Length when declared, else reading stops at the limit (the rest is drained, not kept).
 * The load tester and the dashboard take small JSON bodies and nothing larger.
 */
export function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > max) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
