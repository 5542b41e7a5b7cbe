/**
 * What the dashboard shows, as plain JSON: the contract between its server (src/dashboard/*.ts,
 * Node) and its page (src/dashboard/ui/, the browser), and the data of a `serin simulate --html`
 * report. No imports: both sides compile it.
 */

/** The release actions a person can take from the page (each one annotation on the Canary). */
export const ACTIONS = ['promote', 'abort', 'retry', 'pause', 'resume'] as const;
export type DashboardAction = (typeof ACTIONS)[number];

/** The last Event about a canary. */
export interface EventSummary {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  /** When it last happened, ms since the epoch. */
  readonly t: number;
}

/** One canary of the fleet page. */
export interface CanaryRow {
  readonly namespace: string;
  readonly name: string;
  /** `status.phase`; '' until Serin has initialized the canary. */
  readonly phase: string;
  /** `status.canaryWeight` (0 when absent). */
  readonly weight: number;
  /** The highest weight a run reaches before promotion (maxWeight, or the last of stepWeights; 100 when neither). */
  readonly maxWeight: number;
  readonly failedChecks: number;
  /** `spec.analysis.threshold`: failed checks that roll back. */
  readonly threshold: number;
  readonly paused: boolean;
  readonly suspended: boolean;
  /** `spec.provider` ('' when the Canary names none). */
  readonly provider: string;
  /** Kind/name of `spec.targetRef`, e.g. `Deployment/podinfo`. */
  readonly target: string;
  /** `metadata.creationTimestamp`, ms since the epoch. */
  readonly createdAt: number;
  /** `status.lastTransitionTime`, ms since the epoch, when present. */
  readonly transitionAt?: number;
  /** The Reconciled=False condition's message: why Serin cannot work with the canary now. */
  readonly problem?: string;
  readonly lastEvent?: EventSummary;
}

/** `GET /api/fleet`: every canary the viewer may list. */
export interface FleetSnapshot {
  readonly rows: readonly CanaryRow[];
  /** When the server built it, ms since the epoch. */
  readonly at: number;
  /** Set while the server's watch does not follow the API server (it is down, or refuses the dashboard): why. */
  readonly problem?: string;
}

/** SSE `fleet` event: rows that changed (whole rows) and canaries gone (`namespace/name`). */
export interface FleetDelta {
  readonly upserts: readonly CanaryRow[];
  readonly deletes: readonly string[];
}

/** The canary's weight from time `t` on (a step function). */
export interface WeightSample {
  readonly t: number;
  readonly weight: number;
  readonly phase: string;
}

/** One measurement of one check, from `status.lastAnalysis`. */
export interface CheckSample {
  readonly t: number;
  /** Absent for webhooks and for metrics that had no data. */
  readonly value?: number;
  readonly passed: boolean;
  readonly message?: string;
}

/** A check of the analysis (a metric or a webhook) and what it measured over the release. */
export interface CheckSeries {
  readonly name: string;
  readonly kind: 'metric' | 'webhook';
  /** `thresholdRange` of the metric: the value must stay within [min, max]. */
  readonly min?: number;
  readonly max?: number;
  /** 'ms' for request-duration, '%' for request-success-rate, '' otherwise. */
  readonly unit: string;
  readonly samples: readonly CheckSample[];
}

export interface TimelineEvent {
  readonly t: number;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  /** How many times it happened (Event.count), when more than once. */
  readonly count?: number;
}

/** What the release is rolling out: the target's containers against the primary's. */
export interface RevisionView {
  readonly containers: readonly {
    readonly name: string;
    /** The image the canary runs (the target Deployment's). */
    readonly image: string;
    /** The image the primary runs, when it differs (absent: unchanged or no primary yet). */
    readonly primaryImage?: string;
  }[];
  /** ConfigMaps and Secrets the target uses (`configmap/<name>`), from `status.trackedConfigs`. */
  readonly configs: readonly string[];
  /** `status.lastAppliedSpec` and `status.lastPromotedSpec` (revision hashes). */
  readonly appliedSpec?: string;
  readonly promotedSpec?: string;
}

/** Whether the viewer may take an action now, and if not, why (RBAC or the canary's state). */
export interface ActionState {
  readonly action: DashboardAction;
  readonly allowed: boolean;
  readonly reason?: string;
}

/** `GET /api/canaries/:namespace/:name`, SSE `release` event, and a simulate report's data. */
export interface ReleaseView {
  readonly row: CanaryRow;
  /** Analysis settings, for the page's header: interval, step weights, max weight, threshold. */
  readonly analysis: {
    readonly interval: string;
    readonly stepWeights: readonly number[];
    readonly maxWeight: number;
    readonly threshold: number;
  };
  readonly weights: readonly WeightSample[];
  readonly checks: readonly CheckSeries[];
  /** Oldest first. */
  readonly events: readonly TimelineEvent[];
  readonly revision?: RevisionView;
  /** `status.judge` as the operator wrote it (verdict, reason, per-signal evidence), when present. */
  readonly judge?: unknown;
  /** Absent in a report (no actions there). */
  readonly actions?: readonly ActionState[];
}

/** `GET /api/session`: who the viewer is and the token every action must carry (`x-csrf-token`). */
export interface SessionInfo {
  readonly user: string;
  readonly mode: 'local' | 'cluster';
  readonly csrfToken: string;
}

/** The data embedded in a `serin simulate --html` report (`<script type="application/json" id="serin-report">`). */
export interface ReportData {
  readonly kind: 'report';
  readonly title: string;
  /** The scenario's name and description, and the verdict line. */
  readonly subtitle: string;
  readonly release: ReleaseView;
}

/** `namespace/name`, the key of a canary everywhere in the dashboard. */
export function canaryKey(row: { readonly namespace: string; readonly name: string }): string {
  return `${row.namespace}/${row.name}`;
}
