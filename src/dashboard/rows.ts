/**
 * Canaries and Events as the dashboard shows them. Every field is read defensively: the cache holds
 * whatever the API server stored, and a Canary with a garbage spec (or none) is still one row, with
 * what can be read of it, never an exception.
 */
import type { CanarySpec } from '../api/index.js';
import { analysisThreshold, maxWeightOf } from '../engine/index.js';
import type { KubeObject } from '../kube/objects.js';
import { bounded } from '../lib/bounded.js';
import type { CanaryRow, EventSummary, TimelineEvent } from './model.js';

/** Longest text of one event message or problem the dashboard passes on. */
const MAX_TEXT = 2048;

export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function text(value: unknown, max = 512): string {
  return typeof value === 'string' ? bounded(value, max) : '';
}

export function finite(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A timestamp as ms since the epoch, or undefined. */
export function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** What the engine would read, or `fallback` when the spec is too broken to read. */
function fromSpec<T>(spec: unknown, read: (spec: CanarySpec) => T, fallback: T): T {
  try {
    const value = read(record(spec) as unknown as CanarySpec);
    return typeof value === 'number' && !Number.isFinite(value) ? fallback : value;
  } catch {
    return fallback;
  }
}

export function maxWeightOfAny(spec: unknown): number {
  return fromSpec(spec, maxWeightOf, 100);
}

export function thresholdOfAny(spec: unknown): number {
  return fromSpec(spec, analysisThreshold, 1);
}

/** One fleet row from a cached Canary and its newest event. */
export function canaryRow(canary: KubeObject, lastEvent: EventSummary | undefined): CanaryRow {
  const meta = record(canary.metadata);
  const spec = record(canary.spec);
  const status = record(canary.status);
  const targetRef = record(spec.targetRef);
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(record) : [];
  const problem = conditions.find((c) => c.type === 'Reconciled' && c.status === 'False');
  const annotations = record(meta.annotations);
  const transitionAt = time(status.lastTransitionTime);
  const problemText = problem ? text(problem.message, MAX_TEXT) || text(problem.reason) : '';
  return {
    namespace: text(meta.namespace),
    name: text(meta.name),
    phase: text(status.phase, 64),
    weight: finite(status.canaryWeight),
    maxWeight: maxWeightOfAny(spec),
    failedChecks: finite(status.failedChecks),
    threshold: thresholdOfAny(spec),
    paused: annotations['serin.dev/paused'] === 'true',
    suspended: spec.suspend === true,
    provider: text(spec.provider, 64),
    target: targetRef.kind || targetRef.name ? `${text(targetRef.kind, 64)}/${text(targetRef.name, 253)}` : '',
    createdAt: time(meta.creationTimestamp) ?? 0,
    ...(transitionAt !== undefined ? { transitionAt } : {}),
    ...(problemText ? { problem: problemText } : {}),
    ...(lastEvent ? { lastEvent } : {}),
  };
}

/** When an Event last happened: its last timestamp, event time, series, else its creation. */
export function eventTime(event: KubeObject): number {
  const series = record(event.series);
  return (
    time(event.lastTimestamp) ??
    time(series.lastObservedTime) ??
    time(event.eventTime) ??
    time(event.metadata?.creationTimestamp) ??
    0
  );
}

export function eventSummary(event: KubeObject): EventSummary {
  return {
    type: text(event.type, 32),
    reason: text(event.reason, 128),
    message: text(event.message, MAX_TEXT),
    t: eventTime(event),
  };
}

export function timelineEvent(event: KubeObject): TimelineEvent {
  const count = finite(event.count, 1);
  return { ...eventSummary(event), ...(count > 1 ? { count } : {}) };
}

/** `namespace/name` of the Canary an Event is about. */
export function involvedKey(event: KubeObject): string {
  const involved = record(event.involvedObject);
  return `${text(involved.namespace) || text(event.metadata?.namespace)}/${text(involved.name)}`;
}
