/**
 * What a viewer may do, asked of the API server's authorizer as that viewer: SubjectAccessReview
 * in cluster mode (the dashboard asks about the viewer), SelfSubjectAccessReview in local mode (the
 * kubeconfig's user asks about themself). Answers are kept for a few seconds per viewer, so a page
 * with a thousand rows costs one review per namespace, not one per row and request.
 */
import type { KubeRest } from '../kube/rest.js';
import { Semaphore } from '../lib/semaphore.js';
import { identityKey, type Viewer } from './viewer.js';

/** One question: may the viewer `verb` canaries (in `namespace`, or everywhere when ''; `name` optional). */
export interface AccessQuestion {
  readonly verb: 'list' | 'get' | 'patch';
  readonly namespace: string;
  readonly name?: string | undefined;
}

export interface AccessDecision {
  readonly allowed: boolean;
  /** Why not, for the page and the 403 answer. */
  readonly reason?: string;
}

export type AccessReview = (viewer: Viewer, question: AccessQuestion) => Promise<AccessDecision>;

interface ReviewStatus {
  readonly status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

function resourceAttributes(q: AccessQuestion) {
  return {
    group: 'flagger.app',
    resource: 'canaries',
    verb: q.verb,
    ...(q.namespace ? { namespace: q.namespace } : {}),
    ...(q.name ? { name: q.name } : {}),
  };
}

function decision(viewer: Viewer, q: AccessQuestion, answer: ReviewStatus): AccessDecision {
  if (answer.status?.allowed) return { allowed: true };
  const where = q.namespace ? `in namespace ${q.namespace}` : 'in all namespaces';
  const why = answer.status?.reason ? ` (${answer.status.reason})` : '';
  return {
    allowed: false,
    reason: `RBAC: ${viewer.user} may not ${q.verb} canaries.flagger.app ${where}${why}`,
  };
}

/** Cluster mode: the dashboard (with `create subjectaccessreviews`) asks about the viewer. */
export function subjectAccessReview(rest: KubeRest): AccessReview {
  return async (viewer, q) => {
    const answer = await rest.json<ReviewStatus>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: viewer.user,
          groups: viewer.groups,
          ...(viewer.uid ? { uid: viewer.uid } : {}),
          ...(viewer.extra ? { extra: viewer.extra } : {}),
          resourceAttributes: resourceAttributes(q),
        },
      },
    });
    return decision(viewer, q, answer);
  };
}

/** Local mode: the kubeconfig's user asks about themself (anyone may). */
export function selfSubjectAccessReview(rest: KubeRest): AccessReview {
  return async (viewer, q) => {
    const answer = await rest.json<ReviewStatus>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: resourceAttributes(q) },
      },
    });
    return decision(viewer, q, answer);
  };
}

export interface AccessCacheOptions {
  /** How long an answer is reused, ms. Default 10 s: a RoleBinding removed takes at most this to show. */
  readonly ttlMs?: number;
  /** Most answers held. Default 50,000. */
  readonly max?: number;
  /** Reviews in flight at once. Default 8. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

/**
 * Access reviews with a short cache and one review in flight per question. When the API server
 * cannot answer, the last answer it gave stands; without one, the answer is a refusal that says why.
 */
export class AccessCache {
  private readonly answers = new Map<string, { decision: Promise<AccessDecision>; until: number }>();
  private readonly limit: Semaphore;
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(
    private readonly review: AccessReview,
    options: AccessCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.max = options.max ?? 50_000;
    this.limit = new Semaphore(options.concurrency ?? 8);
    this.now = options.now ?? Date.now;
  }

  can(viewer: Viewer, q: AccessQuestion): Promise<AccessDecision> {
    const key = `${identityKey(viewer)}\u0000${q.verb}\u0000${q.namespace}\u0000${q.name ?? ''}`;
    const hit = this.answers.get(key);
    if (hit && hit.until > this.now()) return hit.decision;
    const settled = this.limit
      .run(() => this.review(viewer, q))
      .catch(async (err: unknown): Promise<AccessDecision> => {
        // The API server is away: the last answer it gave stands (the cache keeps serving what the
        // viewer could see); with none, a refusal that says why, asked again next time.
        if (hit) {
          this.answers.set(key, hit);
          return hit.decision;
        }
        this.answers.delete(key);
        const message = err instanceof Error ? err.message : String(err);
        return { allowed: false, reason: `cannot check the viewer's rights with the API server now: ${message}` };
      });
    this.answers.delete(key);
    while (this.answers.size >= this.max) {
      const oldest = this.answers.keys().next().value;
      if (oldest === undefined) break;
      this.answers.delete(oldest);
    }
    this.answers.set(key, { decision: settled, until: this.now() + this.ttlMs });
    return settled;
  }

  /**
   * The namespaces among `namespaces` whose canaries the viewer may list: all of them when the
   * viewer may list canaries everywhere (one review), else one review per namespace.
   */
  async visible(viewer: Viewer, namespaces: Iterable<string>): Promise<Set<string>> {
    const all = new Set(namespaces);
    if ((await this.can(viewer, { verb: 'list', namespace: '' })).allowed) return all;
    const checked = await Promise.all(
      [...all].map(async (ns) => [ns, (await this.can(viewer, { verb: 'list', namespace: ns })).allowed] as const),
    );
    return new Set(checked.filter(([, ok]) => ok).map(([ns]) => ns));
  }
}
