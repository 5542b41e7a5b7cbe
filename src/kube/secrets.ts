import type { KubeObject } from './objects.js';

/** A Secret's `data` (base64) decoded to UTF-8, with `stringData` on top (as the API server merges it). */
export function secretData(secret: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const data = secret.data as Record<string, string> | undefined;
  for (const [key, value] of Object.entries(data ?? {})) out[key] = Buffer.from(value, 'base64').toString('utf8');
  const plain = secret.stringData as Record<string, string> | undefined;
  for (const [key, value] of Object.entries(plain ?? {})) out[key] = value;
  return out;
}
