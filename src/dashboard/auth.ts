/**
 * Who sent a request. Local mode: the session cookie its one-time token was exchanged for. Cluster
 * mode: a Kubernetes bearer token (header, or the session `POST /login` made from it) checked with
 * TokenReview, or the user an authenticating proxy names in a header the admin configured.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KubeRest } from '../kube/rest.js';
import { cookies } from './http.js';
import { OneTimeToken, SESSION_COOKIE, type Session, type SessionStore } from './sessions.js';
import { DashboardMode } from './settings.js';
import { SignInLimit } from './sign-in-limit.js';
import { sha256, type Viewer } from './viewer.js';

/** A user as TokenReview (or a proxy) names them. */
export interface ReviewedUser {
  readonly user: string;
  readonly groups: readonly string[];
  readonly uid?: string | undefined;
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** Checks bearer tokens: the user, undefined for a token the API server does not accept; throws when it cannot tell. */
export type TokenReviewer = (token: string) => Promise<ReviewedUser | undefined>;

interface TokenReviewStatus {
  readonly status?: {
    readonly authenticated?: boolean;
    readonly user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  };
}

/** TokenReview with the dashboard's own credentials (it needs `create tokenreviews`). */
export function kubeTokenReviewer(rest: KubeRest): TokenReviewer {
  return async (token) => {
    const answer = await rest.json<TokenReviewStatus>('/apis/authentication.k8s.io/v1/tokenreviews', {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const user = answer.status?.user;
    if (!answer.status?.authenticated || !user?.username) return undefined;
    return { user: user.username, groups: user.groups ?? [], uid: user.uid, extra: user.extra };
  };
}

/**
 * TokenReview answers kept briefly by the token's hash (never the token itself): a page load makes
 * several requests, and each need not cost a review. A refused token is remembered for less long.
 */
export function cachedTokenReviewer(
  review: TokenReviewer,
  options: { readonly ttlMs?: number; readonly refusedTtlMs?: number; readonly max?: number; now?: () => number } = {},
): TokenReviewer {
  const { ttlMs = 60_000, refusedTtlMs = 5_000, max = 10_000, now = Date.now } = options;
  const cache = new Map<string, { user: ReviewedUser | undefined; until: number }>();
  return async (token) => {
    const key = sha256(token).toString('hex');
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.user;
    const user = await review(token);
    cache.delete(key);
    while (cache.size >= max) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
    cache.set(key, { user, until: now() + (user ? ttlMs : refusedTtlMs) });
    return user;
  };
}

export interface AuthenticatorDeps {
  readonly sessions: SessionStore;
  /** Cluster mode with tokens. */
  readonly reviewToken?: TokenReviewer | undefined;
  /** Local mode: the kubeconfig's user name, as the API server knows it. */
  readonly localUser?: (() => string) | undefined;
  /** The local mode's one-time token. */
  readonly oneTimeToken?: OneTimeToken | undefined;
  /** Signs the CSRF tokens of requests that carry their credentials in headers. */
  readonly secret: string;
  /** Refused tokens per client address (a fresh one when not given). */
  readonly signInLimit?: SignInLimit | undefined;
}

export interface AuthenticatorOptions {
  readonly mode: DashboardMode;
  readonly proxyUserHeader?: string | undefined;
  readonly proxyGroupsHeader?: string | undefined;
}

/** A viewer, or undefined when the request proves no identity. Throws when TokenReview cannot be asked. */
export class Authenticator {
  private readonly signInLimit: SignInLimit;

  constructor(
    private readonly deps: AuthenticatorDeps,
    private readonly options: AuthenticatorOptions,
  ) {
    this.signInLimit = deps.signInLimit ?? new SignInLimit();
  }

  get mode(): DashboardMode {
    return this.options.mode;
  }

  /** Whether identities come from an authenticating proxy's header (no login page then). */
  get viaProxy(): boolean {
    return this.options.proxyUserHeader !== undefined;
  }

  async authenticate(req: IncomingMessage): Promise<Viewer | undefined> {
    if (this.options.mode === DashboardMode.Local) return this.localViewer(this.session(req));
    if (this.options.proxyUserHeader) return this.proxyViewer(req, this.options.proxyUserHeader);
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) {
      const address = clientAddress(req);
      if (this.signInLimit.waitSeconds(address) > 0) return undefined;
      // The token travels in a header a page cannot make a browser send on its own: the CSRF token
      // only has to be one an attacker cannot compute.
      const viewer = await this.tokenViewer(bearer, this.sign(`bearer:${sha256(bearer).toString('hex')}`));
      if (!viewer) this.signInLimit.refused(address);
      return viewer;
    }
    const session = this.session(req);
    if (session?.credential.kind !== 'bearer') return undefined;
    return this.tokenViewer(session.credential.token, session.csrfToken);
  }

  /** Local mode: exchanges the one-time token for a session (once). */
  redeem(token: string): Session | undefined {
    if (this.options.mode !== DashboardMode.Local || !this.deps.oneTimeToken?.redeem(token)) return undefined;
    return this.deps.sessions.create({ kind: 'kubeconfig' });
  }

  /** Whole seconds until `req`'s address may try a token again (too many refused); 0 when it may now. */
  signInWait(req: IncomingMessage): number {
    return this.signInLimit.waitSeconds(clientAddress(req));
  }

  /** Cluster mode: a session for a token the API server accepts, or why not. */
  async login(token: string, req: IncomingMessage): Promise<Session | string> {
    if (this.options.mode !== DashboardMode.Cluster || !this.deps.reviewToken || this.viaProxy)
      return 'this dashboard does not take tokens';
    const refused = (why: string): string => {
      this.signInLimit.refused(clientAddress(req));
      return why;
    };
    if (!/^\S{1,8192}$/.test(token)) return refused('paste a Kubernetes bearer token (one line, no spaces)');
    const user = await this.deps.reviewToken(token);
    if (!user) return refused('the API server does not accept this token (expired, revoked, or for another cluster)');
    return this.deps.sessions.create({ kind: 'bearer', token });
  }

  /** Ends the request's session, if any. */
  logout(req: IncomingMessage): void {
    const session = this.session(req);
    if (session) this.deps.sessions.delete(session.id);
  }

  private session(req: IncomingMessage): Session | undefined {
    return this.deps.sessions.get(cookies(req).get(SESSION_COOKIE));
  }

  private localViewer(session: Session | undefined): Viewer | undefined {
    if (!session) return undefined;
    return {
      user: this.deps.localUser?.() ?? 'you',
      groups: [],
      credential: { kind: 'kubeconfig' },
      csrfToken: session.csrfToken,
    };
  }

  private proxyViewer(req: IncomingMessage, header: string): Viewer | undefined {
    const user = headerValue(req, header)?.trim();
    if (!user) return undefined;
    const groupsHeader = this.options.proxyGroupsHeader;
    const groups = groupsHeader
      ? (headerValue(req, groupsHeader) ?? '')
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean)
      : [];
    // The proxy's own cookie is ambient: the CSRF token must be unguessable, so it is signed.
    return {
      user,
      groups,
      credential: { kind: 'impersonate' },
      csrfToken: this.sign(`proxy:${user}`),
    };
  }

  private async tokenViewer(token: string, csrfToken: string): Promise<Viewer | undefined> {
    const user = await this.deps.reviewToken?.(token);
    if (!user) return undefined;
    return { ...user, credential: { kind: 'bearer', token }, csrfToken };
  }

  private sign(text: string): string {
    return createHmac('sha256', this.deps.secret).update(text).digest('hex');
  }
}

/** The address the request came from (a proxy's, behind one). */
function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
