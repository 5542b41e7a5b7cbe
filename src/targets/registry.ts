/**
 * The target registry: `spec.targetRef.kind` → the plugin that releases that kind. The operator
 * caches the kinds the registered targets read, the reconciler looks its target up by kind, the
 * controller routes workload and config watch events through it, and `serin check` asks whether a
 * kind is served. Built at the composition root from an explicit list ({@link builtinTargets});
 * adding a workload kind is adding its target and plugin to that list.
 */
import type { Canary } from '../api/index.js';
import type { Cluster } from '../kube/cluster.js';
import type { Gvk } from '../kube/objects.js';
import type { Result } from '../lib/result.js';
import { DAEMONSET_TARGET } from './daemonset.js';
import { DEPLOYMENT_TARGET } from './deployment.js';
import type { TargetOptions, TargetPlugin, WorkloadTarget } from './target.js';

/** Every target plugin of this Serin. */
export function builtinTargets(): readonly TargetPlugin[] {
  return [DEPLOYMENT_TARGET, DAEMONSET_TARGET];
}

/** Workload kind → target plugin. Immutable. */
export class TargetRegistry {
  private readonly byKind: ReadonlyMap<string, TargetPlugin>;

  constructor(plugins: readonly TargetPlugin[] = builtinTargets()) {
    this.byKind = new Map(plugins.map((p) => [p.gvk.kind, p]));
  }

  /** The workload kinds served, e.g. `['Deployment']`. */
  kindNames(): string[] {
    return [...this.byKind.keys()];
  }

  /** The API version and kind of a served workload kind (`DaemonSet` → `apps/v1 DaemonSet`). */
  gvkOf(kind: string): Gvk | undefined {
    return this.byKind.get(kind)?.gvk;
  }

  /** Whether `spec.targetRef.kind` names a served kind. */
  serves(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /** The problem of a canary whose `spec.targetRef.kind` is not served (names the field and the fix). */
  unsupported(canary: Canary): { readonly message: string; readonly fix: string } {
    const kind: string | undefined = canary.spec?.targetRef?.kind;
    const ns = canary.metadata?.namespace ?? '';
    return {
      message: `canary ${ns}/${canary.metadata?.name ?? ''}: spec.targetRef.kind ${kind || '(unset)'} is not supported by this Serin yet`,
      fix: `target a ${this.kindNames().join(' or ')}; Serin acts on no object of this canary meanwhile`,
    };
  }

  /** Every kind some target reads or writes, once each. */
  kinds(): Gvk[] {
    const seen = new Map<string, Gvk>();
    for (const gvk of [...this.byKind.values()].flatMap((p) => [p.gvk, ...p.kinds])) {
      seen.set(`${gvk.apiVersion}/${gvk.kind}`, gvk);
    }
    return [...seen.values()];
  }

  /** Every kind some target uses where the cluster serves it (cached only then), once each. */
  optionalKinds(): Gvk[] {
    const required = new Set(this.kinds().map((g) => `${g.apiVersion}/${g.kind}`));
    const seen = new Map<string, Gvk>();
    for (const gvk of [...this.byKind.values()].flatMap((p) => p.optionalKinds ?? [])) {
      const key = `${gvk.apiVersion}/${gvk.kind}`;
      if (!required.has(key)) seen.set(key, gvk);
    }
    return [...seen.values()];
  }

  /** Builds every target on `cluster`; `served` says which optional kinds it caches (default all). */
  bind(cluster: Cluster, options: TargetOptions, served?: (gvk: Gvk) => boolean): TargetSet {
    return new TargetSet(
      this,
      [...this.byKind.values()].map((p) => p.create({ cluster, served }, options)),
    );
  }
}

/** The targets of one operator, by workload kind. */
export class TargetSet {
  private readonly byKind: ReadonlyMap<string, WorkloadTarget>;

  constructor(
    readonly registry: TargetRegistry,
    targets: readonly WorkloadTarget[],
  ) {
    this.byKind = new Map(targets.map((t) => [t.gvk.kind, t]));
  }

  /** The target for a workload kind, or undefined. */
  forKind(kind: string): WorkloadTarget | undefined {
    return this.byKind.get(kind);
  }

  /** The target of a canary, or the problem that its kind is not served. */
  forCanary(canary: Canary): Result<WorkloadTarget> {
    const target = this.byKind.get(canary.spec?.targetRef?.kind ?? '');
    return target ? { ok: true, value: target } : { ok: false, problem: this.registry.unsupported(canary) };
  }

  /** Every target. */
  all(): WorkloadTarget[] {
    return [...this.byKind.values()];
  }
}
