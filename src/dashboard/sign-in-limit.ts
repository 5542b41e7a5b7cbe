/**
 * Failed sign-ins per client address. Each refused token cost the API server a TokenReview, and a
 * client that sprays tokens at `POST /login` (or in `Authorization` headers) would have it review
 * them as fast as it sends them: after {@link SIGN_IN_FAILURES} refusals within a minute, an address
 * gets no more reviews until the oldest of them is a minute old. Signing in with a good token never
 * counts. Behind a proxy every user shares the proxy's address: such a dashboard takes identities from
 * the proxy's header instead (`--auth-proxy-header`), which has no tokens to try.
 */

/** Refused tokens per address and minute before further tries wait. */
export const SIGN_IN_FAILURES = 10;
const WINDOW_MS = 60_000;
/** Addresses remembered at most (the oldest forgotten first), so a spray from many cannot grow it without end. */
const MAX_ADDRESSES = 10_000;

export class SignInLimit {
  /** Address → times of its refused tokens within the window, oldest first. */
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whole seconds until `address` may try a token again; 0 when it may now. */
  waitSeconds(address: string): number {
    const recent = this.recent(address);
    if (recent.length < SIGN_IN_FAILURES) return 0;
    return Math.max(1, Math.ceil((recent[0]! + WINDOW_MS - this.now()) / 1000));
  }

  /** `address` sent a token the API server did not accept. */
  refused(address: string): void {
    const recent = this.recent(address);
    this.failures.delete(address);
    if (this.failures.size >= MAX_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(address, [...recent, this.now()].slice(-SIGN_IN_FAILURES));
  }

  private recent(address: string): number[] {
    const since = this.now() - WINDOW_MS;
    const recent = (this.failures.get(address) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(address);
    return recent;
  }
}
