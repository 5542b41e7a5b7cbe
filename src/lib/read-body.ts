import type { IncomingMessage } from 'node:http';

/**
 * A message's body, or undefined when it is longer than `max` bytes: refused from its Content-Length
 * when declared, else reading stops at the limit. What is left is drained (`drain`: a server still
 * answers the request) or the connection closed (`destroy`: a client stops downloading).
 */
export function readBodyBytes(
  message: IncomingMessage,
  max: number,
  excess: 'drain' | 'destroy' = 'drain',
): Promise<Buffer | undefined> {
  const refuse = () => {
    message.removeAllListeners('data');
    if (excess === 'drain') message.resume();
    else message.destroy();
  };
  if (Number(message.headers['content-length'] ?? 0) > max) {
    refuse();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      resolve(undefined); // first: destroying the message reports it as cut short
      refuse();
    });
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

/**
 * A request's body as text, or undefined when it is longer than `max` bytes ({@link readBodyBytes}).
 * The load tester and the dashboard take small JSON bodies and nothing larger.
 */
export async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return (await readBodyBytes(req, max))?.toString('utf8');
}
