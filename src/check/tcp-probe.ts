/**
 * Can a TCP connection to `host:port` be opened right now? Resolves the name, connects, and closes
 * the socket at once without writing a byte — so a webhook behind it is never triggered.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { connect } from 'node:net';

/** How a probe came out. */
export const Reachability = {
  Reachable: 'reachable',
  Refused: 'refused',
  DnsFailure: 'dns-failure',
  Timeout: 'timeout',
  Unreachable: 'unreachable',
} as const;
/** Union of {@link Reachability} values. */
export type Reachability = (typeof Reachability)[keyof typeof Reachability];

/** A probe's outcome and the system's word for it (`ECONNREFUSED`, `ENOTFOUND`, …). */
export interface ProbeResult {
  readonly outcome: Reachability;
  readonly code?: string;
}

/** Probes one address; the whole probe (name lookup and connect) stays within `timeoutMs`. */
export type TcpProbe = (host: string, port: number, timeoutMs: number, signal?: AbortSignal) => Promise<ProbeResult>;

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'ENODATA', 'EAI_FAIL']);

/** The real probe, over node:dns and node:net. */
export const probeTcp: TcpProbe = async (host, port, timeoutMs, signal) => {
  const deadline = Date.now() + timeoutMs;
  let address: { address: string; family: number };
  try {
    address = await withTimeout(dnsLookup(host), timeoutMs);
  } catch (err) {
    if (err instanceof LookupTimeout) return { outcome: Reachability.Timeout, code: 'DNS lookup' };
    const code = (err as NodeJS.ErrnoException).code ?? 'ENOTFOUND';
    return { outcome: DNS_CODES.has(code) ? Reachability.DnsFailure : Reachability.Unreachable, code };
  }
  return connectOnce(address.address, address.family, port, Math.max(1, deadline - Date.now()), signal);
};

function connectOnce(
  host: string,
  family: number,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, family });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => done({ outcome: Reachability.Timeout, code: 'cancelled' });
    const timer = setTimeout(() => done({ outcome: Reachability.Timeout }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done({ outcome: Reachability.Reachable }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      if (code === 'ECONNREFUSED') done({ outcome: Reachability.Refused, code });
      else if (code === 'ETIMEDOUT') done({ outcome: Reachability.Timeout, code });
      else done({ outcome: Reachability.Unreachable, code });
    });
  });
}

class LookupTimeout extends Error {}

/** `promise`, or a rejection with {@link LookupTimeout} after `ms` (a name lookup cannot be cancelled). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LookupTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
