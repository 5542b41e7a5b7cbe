import { httpRequest } from '../lib/http-client.js';
import type { PostJson } from './dispatcher.js';

/**
 * The real {@link PostJson}: through the provider's HTTP proxy when it names one. Redirects are not
 * followed: the status is the chat service's answer.
 */
export const postJson: PostJson = async (req, options) => {
  const { status, body } = await httpRequest(new URL(req.url), {
    method: 'POST',
    headers: req.headers,
    body: JSON.stringify(req.body),
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs),
    ...(options.proxy ? { proxy: options.proxy } : {}),
  });
  return { status, body };
};
