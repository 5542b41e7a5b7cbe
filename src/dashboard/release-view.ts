/**
 * One release as the release page shows it: built from the shared cache (row, history, events)
 * plus the revision, which is read from the API server (the target and its primary) only when
 * `status.lastAppliedSpec` changes — once per change, not per viewer or per tick.
 */
import type { KubeObject } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import { checkSeries } from './checks.js';
import { weightSeries } from './history.js';
import type { ReleaseView, RevisionView } from './model.js';
import { record, text } from './rows.js';
import type { DashboardCache } from './watch-cache.js';

/** Workload kinds whose containers the revision shows, by `targetRef.kind`. */
const WORKLOADS: Readonly<Record<string, string>> = { Deployment: 'deployments', DaemonSet: 'daemonsets' };

interface Container {
  readonly name: string;
  readonly image: string;
}

/** Reads a workload's containers; undefined when it is absent or cannot be read. */
export type WorkloadReader = (namespace: string, kind: string, name: string) => Promise<Container[] | undefined>;

/** A WorkloadReader over REST (apps/v1 Deployments and DaemonSets). */
export function restWorkloadReader(rest: KubeRest): WorkloadReader {
  return async (namespace, kind, name) => {
    const resource = WORKLOADS[kind];
    if (!resource) return undefined;
    const res = await rest.request(
      `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(name)}`,
    );
    if (res.status !== 200) return undefined;
    const workload = JSON.parse(res.body) as KubeObject;
    const containers = record(record(record(record(workload.spec).template).spec)).containers;
    return Array.isArray(containers)
      ? containers.map(record).map((c) => ({ name: text(c.name, 253), image: text(c.image, 1024) }))
      : [];
  };
}

export class ReleaseViews {
  private readonly revisions = new Map<
    string,
    { applied: string; containers: Promise<RevisionView['containers'] | undefined> }
  >();

  constructor(
    private readonly cache: DashboardCache,
    private readonly readWorkload: WorkloadReader,
  ) {}

  /** The release view of `namespace/name` (without actions, which depend on the viewer), or undefined. */
  async view(key: string): Promise<Omit<ReleaseView, 'actions'> | undefined> {
    const canary = this.cache.canary(key);
    const row = this.cache.row(key);
    if (!canary || !row) {
      this.revisions.delete(key);
      return undefined;
    }
    const spec = record(canary.spec);
    const analysis = record(spec.analysis);
    const history = this.cache.history(key);
    const events = this.cache.timeline(key);
    const stepWeights = Array.isArray(analysis.stepWeights)
      ? analysis.stepWeights.filter((w): w is number => typeof w === 'number')
      : [];
    const judge = record(canary.status).judge;
    return {
      row,
      analysis: {
        interval: text(analysis.interval, 32),
        stepWeights,
        maxWeight: row.maxWeight,
        threshold: row.threshold,
      },
      weights: weightSeries(history, events),
      checks: checkSeries(spec, history?.checks ?? new Map()),
      events,
      revision: await this.revision(key, canary),
      ...(judge !== undefined && judge !== null ? { judge } : {}),
    };
  }

  private async revision(key: string, canary: KubeObject): Promise<RevisionView> {
    const status = record(canary.status);
    const applied = text(status.lastAppliedSpec, 128);
    const promoted = text(status.lastPromotedSpec, 128);
    let known = this.revisions.get(key);
    if (!known || known.applied !== applied) {
      const entry = { applied, containers: this.containers(canary) };
      // An answer the API server could not give is asked again at the next build.
      void entry.containers.then((list) => {
        if (list === undefined && this.revisions.get(key) === entry) this.revisions.delete(key);
      });
      this.revisions.set(key, (known = entry));
    }
    return {
      containers: (await known.containers) ?? [],
      configs: Object.keys(record(status.trackedConfigs)).slice(0, 100),
      ...(applied ? { appliedSpec: applied } : {}),
      ...(promoted ? { promotedSpec: promoted } : {}),
    };
  }

  /** The target's containers against the primary's (`<name>-primary`); undefined when the API server failed. */
  private async containers(canary: KubeObject): Promise<RevisionView['containers'] | undefined> {
    const namespace = text(canary.metadata?.namespace);
    const ref = record(record(canary.spec).targetRef);
    const kind = text(ref.kind, 64);
    const name = text(ref.name, 253);
    if (!name || !WORKLOADS[kind]) return [];
    try {
      const [target, primary] = await Promise.all([
        this.readWorkload(namespace, kind, name),
        this.readWorkload(namespace, kind, `${name}-primary`),
      ]);
      return (target ?? []).slice(0, 50).map((c) => {
        const before = primary?.find((p) => p.name === c.name)?.image;
        return { name: c.name, image: c.image, ...(before && before !== c.image ? { primaryImage: before } : {}) };
      });
    } catch {
      return undefined;
    }
  }
}
