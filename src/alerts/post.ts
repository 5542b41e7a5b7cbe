import type { PostJson } from './dispatcher.js';

/**
 * The real {@link PostJson}: Node's `fetch`, through the provider's HTTP(S) proxy when it names one
 * (undici's ProxyAgent, loaded only then). Redirects are not followed: the status is the hook's answer.
 */
export const postJson: PostJson = async (req, options) => {
  const dispatcher = options.proxy ? new (await import('undici')).ProxyAgent(options.proxy) : undefined;
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: JSON.stringify(req.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    } as unknown as RequestInit); // npm undici and Node's bundled types differ; the objects fit
    return { status: res.status, body: await res.text() };
  } finally {
    await dispatcher?.close();
  }
};
