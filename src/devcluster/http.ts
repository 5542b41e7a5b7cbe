import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** TLS material for talking to the local apiserver as admin. */
export interface ClientTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTP(S) request with a timeout. Resolves with status and body; rejects only when there is
 * no answer at all (refused, timeout), which readiness polling treats as "not yet".
 */
export function fetchText(
  url: string,
  options: {
    readonly method?: string;
    readonly body?: string;
    readonly tls?: ClientTls;
    readonly insecure?: boolean;
    readonly timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: options.method ?? 'GET',
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: options.timeoutMs ?? 3000,
        ...(options.tls ? { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key } : {}),
        ...(options.insecure ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 3000} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
