import type { Canary } from '../api/index.js';
import { specProblem } from '../engine/index.js';
import type { Problem } from '../lib/result.js';
import type { ResolvedProvider, RouterSet } from '../routers/registry.js';
import type { TrafficRouter } from '../routers/router.js';
import type { TargetSet } from '../targets/registry.js';
import type { WorkloadTarget } from '../targets/target.js';
import { ReconcileReason } from './reconciled-condition.js';

/** What carries out a canary's release: its target, its provider and that provider's router. */
export interface Parts {
  readonly ok: true;
  readonly target: WorkloadTarget;
  readonly router: TrafficRouter;
  readonly provider: ResolvedProvider;
}

/** Why a canary has no parts: the condition's reason and the problem, naming the canary. */
export interface NoParts {
  readonly ok: false;
  readonly reason: ReconcileReason;
  readonly problem: Problem;
}

/**
 * Finds each canary's target, provider and router. They follow from the spec alone (and the
 * registries, fixed for the operator's life), so they are found once per frozen spec; a problem,
 * whose message names the canary, is found again each time.
 */
export class ReleaseParts {
  private readonly kept = new WeakMap<object, Parts>();

  constructor(
    private readonly targets: TargetSet,
    private readonly routers: RouterSet,
  ) {}

  /** The canary's target, provider and router, or the reason and problem why one is missing. */
  of(canary: Canary): Parts | NoParts {
    const spec = canary.spec;
    const kept = this.kept.get(spec);
    if (kept) return kept;
    const found = this.find(canary);
    if (found.ok && Object.isFrozen(spec)) this.kept.set(spec, found);
    return found;
  }

  private find(canary: Canary): Parts | NoParts {
    const target = this.targets.forCanary(canary);
    if (!target.ok) return { ok: false, reason: ReconcileReason.TargetNotSupported, problem: target.problem };
    const provider = this.routers.registry.resolve(canary);
    const router = this.routers.routerFor(provider);
    if (!router.ok) return { ok: false, reason: ReconcileReason.ProviderNotSupported, problem: router };
    const unable = this.routers.registry.featureProblem(canary, provider);
    if (unable) return { ok: false, reason: ReconcileReason.FeatureNotSupported, problem: unable };
    const invalid = specProblem(canary.spec, provider.routing);
    if (invalid) {
      const problem = {
        message: `canary ${canary.metadata?.namespace ?? ''}/${canary.metadata?.name ?? ''} is invalid: ${invalid}`,
        fix: 'correct the Canary spec; Serin retries when it changes',
      };
      return { ok: false, reason: ReconcileReason.InvalidSpec, problem };
    }
    return { ok: true, target: target.value, router: router.router, provider };
  }
}
