/**
 * Cookie sessions: the local mode's after its one-time token, the cluster mode's after `POST /login`.
 * Kept in memory only (a restart logs everyone out, which is the safe direction), bounded in number
 * and lifetime. A cluster session keeps the viewer's token, so actions are still written as the
 * viewer, and the token is checked again with TokenReview as its cached review expires: a revoked
 * token ends the session.
 */
import { randomHex, sameSecret, type ViewerCredential } from './viewer.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'serin_session';

export interface Session {
  readonly id: string;
  readonly csrfToken: string;
  /** Local mode: the kubeconfig's user; cluster mode: the token's (checked again on use). */
  readonly credential: ViewerCredential;
  readonly expiresAt: number;
}

export interface SessionStoreOptions {
  /** How long a session lasts, ms. Default 12 h. */
  readonly lifetimeMs?: number;
  /** Most sessions held; the oldest go first. Default 10,000. */
  readonly max?: number;
  readonly now?: () => number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly lifetimeMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.lifetimeMs = options.lifetimeMs ?? 12 * 3600_000;
    this.max = options.max ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  create(credential: ViewerCredential): Session {
    const session: Session = {
      id: randomHex(),
      csrfToken: randomHex(),
      credential,
      expiresAt: this.now() + this.lifetimeMs,
    };
    // Map keeps insertion order: the first key is the oldest session.
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or undefined (unknown or expired, which also forgets it). */
  get(id: string | undefined): Session | undefined {
    if (!id || !/^[0-9a-f]{64}$/.test(id)) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** The cookie that carries a session: not readable by scripts, never sent from another site. */
  cookie(session: Session, secure: boolean): string {
    const maxAge = Math.max(0, Math.floor((session.expiresAt - this.now()) / 1000));
    return `${SESSION_COOKIE}=${session.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  }
}

/**
 * The local mode's one-time token: printed in the URL once, exchanged for a session by its first
 * request, and never accepted again (a URL left in a shell history or a screenshot opens nothing).
 */
export class OneTimeToken {
  private used = false;

  constructor(readonly value: string = randomHex()) {}

  /** True once, for the first request that presents the token. */
  redeem(presented: string): boolean {
    if (this.used || !sameSecret(presented, this.value)) return false;
    this.used = true;
    return true;
  }
}
