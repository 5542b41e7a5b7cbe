/**
 * Who is looking at the dashboard, and how their own writes reach the API server. The dashboard
 * reads with its own credentials into one shared cache, but every decision about a viewer is made
 * for that viewer (access reviews), and every write is made as that viewer.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** How a viewer's actions are written. */
export type ViewerCredential =
  /** Local mode: the user's kubeconfig (the dashboard's own credentials are the user's). */
  | { readonly kind: 'kubeconfig' }
  /** Cluster mode with tokens: the viewer's own bearer token. */
  | { readonly kind: 'bearer'; readonly token: string }
  /** Cluster mode behind an authenticating proxy: the dashboard's credentials, impersonating the viewer. */
  | { readonly kind: 'impersonate' };

export interface Viewer {
  /** The user name the API server knows (TokenReview, the proxy header, or the kubeconfig's user). */
  readonly user: string;
  readonly groups: readonly string[];
  readonly uid?: string | undefined;
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
  readonly credential: ViewerCredential;
  /** What every action must carry in `x-csrf-token`. */
  readonly csrfToken: string;
}

/** A key naming the viewer's identity (not their credential), for caches of access decisions. */
export function identityKey(viewer: Pick<Viewer, 'user' | 'groups' | 'uid'>): string {
  return `${viewer.user}\u0000${[...viewer.groups].sort().join(',')}\u0000${viewer.uid ?? ''}`;
}

/** `bytes` random bytes as hex: session ids, CSRF tokens, the local one-time token. */
export function randomHex(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Equal strings, compared in a time that does not depend on where they differ. */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}
