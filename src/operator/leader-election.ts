/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go does it and Flagger uses it:
 * several replicas run, one acts. The leader renews its Lease every retry period; a replica that
 * cannot renew within the renew deadline stops acting; the others take the Lease over once it has
 * not been renewed for its duration. The Lease is Flagger's (`flagger-leader-election`), so a
 * Flagger and a Serin with election on never both act while one replaces the other.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { KubeApiError, type KubeRest } from '../kube/rest.js';

export const LEASE_NAME = 'flagger-leader-election';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name?: string;
  /** How long a Lease holds without renewal. Flagger: 60 s. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives up. Flagger: 15 s. */
  readonly renewDeadlineMs: number;
  /** Pause between attempts (to acquire, or to renew). Flagger: 5 s. */
  readonly retryPeriodMs: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  /** `<hostname>_<uuid>`, as Flagger names its candidates. */
  readonly identity = `${hostname()}_${randomUUID()}`;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private observedHolder: string | undefined;

  constructor(
    private readonly deps: { readonly rest: KubeRest; readonly log: Logger },
    private readonly options: LeaderElectionOptions,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until elected, then calls `onElected`, and keeps renewing; calls `onLost` once if the
   * Lease could not be renewed within the renew deadline (or was taken over).
   */
  run(callbacks: { readonly onElected: () => void; readonly onLost: () => void }): void {
    const attempt = async (): Promise<void> => {
      if (this.stopped) return;
      const now = Date.now();
      let held = false;
      try {
        held = await this.tryAcquireOrRenew(now);
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'leader election: lease request failed');
      }
      if (this.stopped) return;
      if (held) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.deps.log.info({ identity: this.identity, lease: this.leaseRef() }, 'elected leader');
          callbacks.onElected();
        }
      } else if (this.leading && (Date.now() - this.lastRenew >= this.options.renewDeadlineMs || this.takenOver())) {
        this.leading = false;
        this.deps.log.error({ identity: this.identity }, 'leader election lost');
        callbacks.onLost();
        return;
      }
      this.timer = setTimeout(() => void attempt(), this.options.retryPeriodMs);
    };
    void attempt();
  }

  /** Stops campaigning; a leader hands the Lease back so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.read();
      if (lease?.spec.holderIdentity !== this.identity) return;
      const now = microTime(Date.now());
      await this.write('PUT', {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      });
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'leader election: could not release the lease');
    }
  }

  private takenOver(): boolean {
    return this.observedHolder !== undefined && this.observedHolder !== this.identity;
  }

  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    const durationSeconds = Math.max(1, Math.round(this.options.leaseDurationMs / 1000));
    const lease = await this.read();
    if (!lease) {
      await this.write('POST', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.options.namespace },
        spec: {
          holderIdentity: this.identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      });
      this.observedHolder = this.identity;
      return true;
    }
    const holder = lease.spec.holderIdentity ?? '';
    this.observedHolder = holder;
    // Like client-go, expiry is judged by when *this* replica saw the record change, not by the
    // holder's clock: clocks of different machines may disagree.
    const record = `${holder}|${lease.spec.renewTime ?? ''}`;
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = now;
    }
    const expires = this.observedAt + (lease.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && holder !== this.identity && now < expires) {
      if (holder !== this.announced) {
        this.announced = holder;
        this.deps.log.info({ leader: holder }, `Another instance has been elected as leader: ${holder}`);
      }
      return false;
    }
    const taking = holder !== this.identity;
    await this.write('PUT', {
      ...lease,
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: taking ? microTime(now) : (lease.spec.acquireTime ?? microTime(now)),
        renewTime: microTime(now),
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (taking && holder ? 1 : 0),
      },
    });
    this.observedHolder = this.identity;
    return true;
  }

  private announced: string | undefined;
  private observedRecord: string | undefined;
  private observedAt = 0;

  private get name(): string {
    return this.options.name ?? LEASE_NAME;
  }

  private leaseRef(): string {
    return `${this.options.namespace}/${this.name}`;
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
    return name ? `${base}/${name}` : base;
  }

  private async read(): Promise<Lease | undefined> {
    const res = await this.deps.rest.request(this.path(this.name));
    if (res.status === 404) return undefined;
    if (res.status !== 200)
      throw new KubeApiError(res.status, `GET lease ${this.leaseRef()}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as Lease;
  }

  /** Creates or replaces the Lease; a conflict (someone else wrote it first) is a lost attempt. */
  private async write(method: 'POST' | 'PUT', lease: Lease): Promise<void> {
    const res = await this.deps.rest.request(method === 'POST' ? this.path() : this.path(this.name), {
      method,
      body: lease,
    });
    if (res.status >= 200 && res.status < 300) return;
    throw new KubeApiError(
      res.status,
      `${method} lease ${this.leaseRef()}: HTTP ${res.status} ${res.body.slice(0, 200)}`,
    );
  }
}
