import { CANARY_KIND, COMMAND_ANNOTATION, PAUSED_ANNOTATION, type Canary } from '../api/index.js';
import { CANARY_GVK } from '../controller/controller.js';
import { analysisIntervalMs } from '../engine/index.js';
import type { KubeObject } from '../kube/objects.js';
import type { MemoryCluster } from './memory-cluster.js';
import { durationMs, type Scenario, type ScenarioStep } from './scenario.js';
import { SimWorld } from './world.js';
import { InputError } from './inputs.js';

/** One line of the timeline: an Event occurrence, or a scenario step. */
export interface TimelineEntry {
  /** Virtual ms since the start of the simulation. */
  readonly at: number;
  readonly type: 'Normal' | 'Warning' | 'Step';
  readonly reason: string;
  readonly message: string;
}

export interface WeightPoint {
  readonly at: number;
  readonly canaryWeight: number;
  readonly phase: string;
}

export interface Verdict {
  /** `promoted`, `rolled-back`, `idle` (no run started), `running` (time limit reached mid-run). */
  readonly result: 'promoted' | 'rolled-back' | 'idle' | 'running';
  readonly phase: string;
  /** When the final phase was reached, virtual ms since the start. */
  readonly at: number;
}

/** One analysis tick: the checks `status.lastAnalysis` recorded, with their measured values. */
export interface AnalysisPoint {
  /** Virtual ms since the start of the simulation. */
  readonly at: number;
  readonly checks: readonly {
    readonly name: string;
    readonly kind: 'metric' | 'webhook';
    readonly passed: boolean;
    readonly value?: number;
    readonly message?: string;
  }[];
}

export interface Timeline {
  readonly canary: { readonly namespace: string; readonly name: string };
  readonly scenario: { readonly name: string; readonly description?: string | undefined };
  readonly start: string;
  readonly entries: readonly TimelineEntry[];
  readonly weights: readonly WeightPoint[];
  readonly verdict: Verdict;
  /** Virtual time simulated, ms. */
  readonly durationMs: number;
  /** The router's weights at the end, read back from the routing objects (undefined if unreadable). */
  readonly finalRoutes?: { readonly primary: number; readonly canary: number } | undefined;
  /**
   * Every analysis tick's checks (from `status.lastAnalysis`), so a report can chart measured values
   * against their thresholds; absent when no analysis ran. Last, so the JSON of the fields before it
   * reads as it did.
   */
  readonly analyses?: readonly AnalysisPoint[];
}

/** What the simulation ended with, beside its timeline: for a report of the release (`--html`). */
export interface SimulationResult {
  readonly timeline: Timeline;
  /** The Canary, its target and the primary as they were at the end (undefined when absent). */
  readonly final: {
    readonly canary: Canary | undefined;
    readonly target: KubeObject | undefined;
    readonly primary: KubeObject | undefined;
  };
  /** Virtual start time, ms since the epoch (timeline `at` values count from it). */
  readonly startTime: number;
}

export interface SimulationInput {
  /** The Canary and, optionally, its Deployment, ConfigMaps, HPA or ScaledObject (a missing Deployment is made up). */
  readonly objects: readonly KubeObject[];
  readonly scenario: Scenario;
  /** Namespace for objects that name none. Default `default`. */
  readonly namespace?: string;
  /** Provider for a Canary that names none. Default `appmesh:v1beta2`. */
  readonly defaultProvider?: string;
  /** Virtual start time, ms since the epoch. Default 2026-01-01T00:00:00Z (deterministic output). */
  readonly startTime?: number;
}

const DEFAULT_START = Date.parse('2026-01-01T00:00:00Z');
const NAMESPACED = new Set([
  'Canary',
  'Deployment',
  'DaemonSet',
  'ConfigMap',
  'Secret',
  'Service',
  'HorizontalPodAutoscaler',
  'ScaledObject',
  'MetricTemplate',
  'AlertProvider',
]);

/** The Canary's target when the files hold none: a one-container workload of its kind. */
function synthesizeTarget(canary: Canary, namespace: string): KubeObject {
  const { name, kind } = canary.spec.targetRef;
  return {
    apiVersion: 'apps/v1',
    kind: kind === 'DaemonSet' ? 'DaemonSet' : 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      ...(kind === 'DaemonSet' ? {} : { replicas: 1 }),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `${name}:current` }] } },
    },
  };
}

/**
 * The input objects in their namespace, with a made-up target when the files hold none; refuses
 * (InputError) a scenario whose steps name objects the files do not hold.
 */
function prepareObjects(input: SimulationInput): { objects: KubeObject[]; ns: string; canary: Canary } {
  const namespace = input.namespace ?? 'default';
  const objects = input.objects.map((o) =>
    NAMESPACED.has(o.kind) && !o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace } } : o,
  );
  const canaryObj = objects.find((o) => o.kind === CANARY_KIND) as unknown as Canary | undefined;
  if (!canaryObj) throw new Error('no Canary among the input objects');
  const ns = canaryObj.metadata?.namespace ?? namespace;
  const { kind: targetKind, name: targetName } = canaryObj.spec.targetRef;
  if (!objects.some((o) => o.kind === targetKind && o.metadata.name === targetName)) {
    objects.push(synthesizeTarget(canaryObj, ns));
  }
  const missing = stepsWithoutObjects(input.scenario.steps ?? [], objects, ns);
  if (missing.length > 0) throw new InputError(missing.join('\n'));
  return { objects, ns, canary: canaryObj };
}

/**
 * Runs the real controller, reconciler, engine, targets and routers against an in-memory cluster on
 * a virtual clock, plays the scenario's steps, and returns the timeline the operator would produce.
 */
export async function simulate(input: SimulationInput): Promise<Timeline> {
  return (await simulateRelease(input)).timeline;
}

/** {@link simulate}, with the objects the release ended with (for `serin simulate --html`). */
export async function simulateRelease(input: SimulationInput): Promise<SimulationResult> {
  const start = input.startTime ?? DEFAULT_START;
  const { objects, ns, canary } = prepareObjects(input);
  const name = canary.metadata?.name ?? '';
  const defaultProvider = input.defaultProvider ?? 'appmesh:v1beta2';
  const world = new SimWorld({ scenario: input.scenario, defaultProvider, startTime: start });
  const { clock, cluster, routers } = world;

  const { entries, weights, analyses } = recordTimeline(world, start);

  await world.start(objects);

  const steps = [...(input.scenario.steps ?? [])].sort((a, b) => (durationMs(a.at) ?? 0) - (durationMs(b.at) ?? 0));
  let stepsLeft = steps.length;
  let lastStepAt = start;
  for (const step of steps) {
    clock.setTimer(
      () => {
        entries.push({ at: clock.now() - start, type: 'Step', reason: 'Scenario', message: describeStep(step) });
        lastStepAt = clock.now();
        stepsLeft--;
        // Every named object was checked before the start; a failure now is a bug, reported, not thrown away.
        applyStep(cluster, step, ns, clock.now()).catch((err: unknown) => {
          entries.push({
            at: clock.now() - start,
            type: 'Warning',
            reason: 'Scenario',
            message: `step failed: ${String(err)}`,
          });
        });
      },
      durationMs(step.at) ?? 0,
    );
  }
  const end = start + (durationMs(input.scenario.duration ?? '2h') ?? 7_200_000);
  const phaseOf = () => cluster.get<Canary>({ ...CANARY_GVK, namespace: ns, name })?.status?.phase ?? '';
  const interval = analysisIntervalMs(canary.spec);
  await world.run(end, () => {
    const phase = phaseOf();
    const settled = phase === 'Succeeded' || phase === 'Failed' || phase === 'Initialized';
    return stepsLeft === 0 && settled && clock.now() - lastStepAt >= 2 * interval;
  });
  world.stop();
  const finalCanary = cluster.get<Canary>({ ...CANARY_GVK, namespace: ns, name });
  const router = finalCanary ? routers.routerFor(routers.registry.resolve(finalCanary)) : undefined;
  const routes = finalCanary && router?.ok ? router.router.routes(finalCanary) : undefined;

  const phase = phaseOf();
  const lastWeight = weights.at(-1);
  const ran = weights.some((w) => w.phase === 'Progressing');
  const result = phase === 'Succeeded' ? 'promoted' : phase === 'Failed' ? 'rolled-back' : ran ? 'running' : 'idle';
  const { kind: targetKind, name: targetName } = canary.spec.targetRef;
  const workload = (n: string) =>
    cluster.get<KubeObject>({ apiVersion: 'apps/v1', kind: targetKind, namespace: ns, name: n });
  const timeline: Timeline = {
    canary: { namespace: ns, name },
    scenario: { name: input.scenario.metadata.name, description: input.scenario.description },
    start: new Date(start).toISOString(),
    entries,
    weights,
    verdict: { result, phase, at: lastWeight?.at ?? 0 },
    durationMs: clock.now() - start,
    finalRoutes: routes && !('error' in routes) ? { primary: routes.primary, canary: routes.canary } : undefined,
    ...(analyses.length > 0 ? { analyses } : {}),
  };
  const final = { canary: finalCanary, target: workload(targetName), primary: workload(`${targetName}-primary`) };
  return { timeline, final, startTime: start };
}

/**
 * What the timeline records as the simulation runs: each Event occurrence, each change of weight or
 * phase, and each analysis tick's checks (a new `status.lastAnalysis.time`).
 */
function recordTimeline(world: SimWorld, start: number) {
  const { clock, cluster } = world;
  const entries: TimelineEntry[] = [];
  const weights: WeightPoint[] = [];
  const analyses: AnalysisPoint[] = [];
  cluster.subscribe({ apiVersion: 'v1', kind: 'Event' }, (e) => {
    const ev = e.object as KubeObject & { type: 'Normal' | 'Warning'; reason: string; message: string; count?: number };
    const oldCount = (e.old as { count?: number } | undefined)?.count ?? 0;
    if (e.type === 'added' || (e.type === 'modified' && (ev.count ?? 1) > oldCount)) {
      entries.push({ at: clock.now() - start, type: ev.type, reason: ev.reason, message: ev.message });
    }
  });
  cluster.subscribe(CANARY_GVK, (e) => {
    const c = e.object as unknown as Canary;
    const point = { at: clock.now() - start, canaryWeight: c.status?.canaryWeight ?? 0, phase: c.status?.phase ?? '' };
    const last = weights.at(-1);
    if (!last || last.canaryWeight !== point.canaryWeight || last.phase !== point.phase) weights.push(point);
    const analysis = c.status?.lastAnalysis;
    const before = (e.old as Canary | undefined)?.status?.lastAnalysis;
    if (analysis && analysis.time !== before?.time) analyses.push({ at: point.at, checks: analysis.checks });
  });
  return { entries, weights, analyses };
}

/**
 * The steps that name an object the input does not hold, each with the fix: found before the
 * simulation starts (a step that failed mid-run ended `serin simulate` with a stack trace).
 */
function stepsWithoutObjects(steps: readonly ScenarioStep[], objects: readonly KubeObject[], ns: string): string[] {
  const has = (kinds: readonly string[], name: string) =>
    objects.some((o) => kinds.includes(o.kind) && o.metadata.name === name && (o.metadata.namespace ?? ns) === ns);
  const problems: string[] = [];
  steps.forEach((step, i) => {
    const named: [readonly string[], string | undefined][] = [
      [['ConfigMap'], step.configMap?.name],
      [['Deployment', 'DaemonSet'], step.setImage?.deployment ?? step.rolloutRestart],
      [[CANARY_KIND], step.patchCanary?.name ?? step.serin?.canary],
    ];
    for (const [kinds, name] of named) {
      if (name === undefined || has(kinds, name)) continue;
      problems.push(
        `scenario steps[${i}] (at ${step.at}): ${kinds.join(' or ')} ${ns}/${name} is not in the -f files; pass the file that holds it, or correct the step`,
      );
    }
  });
  return problems;
}

function describeStep(step: ScenarioStep): string {
  const what = step.configMap
    ? `ConfigMap ${step.configMap.name} changed`
    : step.setImage
      ? `Deployment ${step.setImage.deployment} image set to ${step.setImage.image}`
      : step.patchCanary
        ? `Canary ${step.patchCanary.name} edited${step.note ? '' : `: ${JSON.stringify(step.patchCanary.patch)}`}`
        : step.serin
          ? `serin ${step.serin.command} ${step.serin.canary}`
          : `kubectl rollout restart deployment/${step.rolloutRestart ?? ''}`;
  return step.note ? `${what} (${step.note})` : what;
}

async function applyStep(cluster: MemoryCluster, step: ScenarioStep, ns: string, now: number): Promise<void> {
  if (step.configMap) {
    await cluster.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: step.configMap.name },
      { data: null },
    );
    await cluster.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: step.configMap.name },
      { data: step.configMap.data },
    );
  } else if (step.setImage) {
    const ref = workloadRef(cluster, ns, step.setImage.deployment);
    const d = cluster.get<
      KubeObject & { spec: { template: { spec: { containers: { name: string; image: string }[] } } } }
    >(ref);
    if (!d) throw new Error(`scenario step: no Deployment or DaemonSet ${ns}/${step.setImage.deployment}`);
    const containers = d.spec.template.spec.containers.map((c, i) =>
      (step.setImage?.container ? c.name === step.setImage.container : i === 0)
        ? { ...c, image: step.setImage?.image ?? c.image }
        : c,
    );
    await cluster.patch(ref, { spec: { template: { spec: { containers } } } });
  } else if (step.patchCanary) {
    await cluster.patch({ ...CANARY_GVK, namespace: ns, name: step.patchCanary.name }, step.patchCanary.patch);
  } else if (step.serin) {
    const { command, canary } = step.serin;
    const annotations =
      command === 'pause'
        ? { [PAUSED_ANNOTATION]: 'true' }
        : command === 'resume'
          ? { [PAUSED_ANNOTATION]: null }
          : { [COMMAND_ANNOTATION]: command };
    await cluster.patch({ ...CANARY_GVK, namespace: ns, name: canary }, { metadata: { annotations } });
  } else if (step.rolloutRestart) {
    const ref = workloadRef(cluster, ns, step.rolloutRestart);
    await cluster.patch(ref, {
      spec: {
        template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(now).toISOString() } } },
      },
    });
  }
}

/** The Deployment of that name, else the DaemonSet (a scenario step names a workload by name). */
function workloadRef(cluster: MemoryCluster, namespace: string, name: string) {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name };
  const daemonSet = { ...deployment, kind: 'DaemonSet' };
  return cluster.get(deployment) || !cluster.get(daemonSet) ? deployment : daemonSet;
}
