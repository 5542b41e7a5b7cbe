import { ProxyAgent, request } from 'undici';
import type { PostJson } from './dispatcher.js';

/** The real {@link PostJson}: undici, through the provider's HTTP(S) proxy when it names one. */
export const postJson: PostJson = async (req, options) => {
  const dispatcher = options.proxy ? new ProxyAgent(options.proxy) : undefined;
  try {
    const res = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: JSON.stringify(req.body),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await dispatcher?.close();
  }
};
