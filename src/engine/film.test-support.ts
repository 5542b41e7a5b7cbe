/**
 * Plays a canary's life tick by tick for the engine tests: keeps the status, applies the engine's
 * actions to a tiny fake world (routes, target scale, primary template), answers the engine's
 * questions from a per-tick scene (default: every hook approves, every check passes), advances the
 * clock by the analysis interval and keeps what each tick said.
 */
import type { CanarySpec, CanaryStatus } from '../api/index.js';
import type { JudgeWindow } from '../judge/index.js';
import type {
  Action,
  CheckOutcome,
  GateType,
  JudgeStartAnswer,
  Need,
  Readiness,
  Routes,
  RoutingCapabilities,
  StepInput,
} from './model.js';
import { analysisIntervalMs, hooksOf } from './settings.js';
import { step } from './step.js';

/** The fake cluster the engine acts on. */
export interface World {
  routes: Routes;
  target: 'up' | 'zero';
  /** Revision of the target's template (what the controller hashes). */
  targetRevision: string;
  /** Revision running in `<target>-primary`; `promote` copies the target's. */
  primaryRevision: string;
  trackedConfigs?: Record<string, string>;
  scalerSyncs: number;
  postRollouts: string[];
  alerts: string[];
}

/** What happens around one tick: the world's answers and changes made before it. */
export interface Scene {
  /** Deploy a new target revision before the tick. */
  readonly deploy?: string;
  readonly configs?: Record<string, string>;
  /** Replace the Canary spec before the tick (a user edit). */
  readonly spec?: CanarySpec;
  readonly primary?: Readiness;
  readonly canary?: Readiness;
  readonly routesError?: string;
  readonly gates?: Partial<Record<GateType, readonly CheckOutcome[]>>;
  readonly rollbackHooks?: readonly CheckOutcome[];
  readonly preRollout?: readonly CheckOutcome[];
  readonly analysis?: readonly CheckOutcome[];
  /** A person's `serin.dev/command` for this tick. */
  readonly command?: StepInput['command'];
  /** The primary's pre-rollout counts for the judge; default: read, and empty. */
  readonly judgeStart?: JudgeStartAnswer;
  /** The counts of a judged window, given what the engine asked (its times and weight). */
  readonly judgeCounts?: (asked: Extract<Need, { kind: 'judge-window' }>) => JudgeWindow;
}

/** What one tick did. */
export interface Frame {
  /** `Normal: …` / `Warning: …`, in order. */
  readonly events: readonly string[];
  readonly actions: readonly Action[];
  readonly needs: readonly Need[];
  /** The status written, or undefined when the tick wrote none. */
  readonly written: CanaryStatus | undefined;
  /** Phase and routes after the tick. */
  readonly phase: string;
  readonly weights: string;
}

/** Options of a film. */
export interface FilmOptions {
  readonly name?: string;
  readonly namespace?: string;
  /** What the routing provider can do; default App Mesh's. */
  readonly routing?: RoutingCapabilities;
  /** The router's report; default: the world's routes (the kubernetes router derives them from status). */
  readonly routesOf?: (world: World, status: CanaryStatus | undefined) => Routes;
}

/** App Mesh's capabilities (weights and header match), as the provider registry states them. */
export const APPMESH_ROUTING: RoutingCapabilities = {
  provider: 'appmesh:v1beta2',
  weights: true,
  headerMatch: true,
  mirroring: false,
  sessionAffinity: false,
};

/** Flagger's `kubernetes` provider: no weights, no matches (blue/green by switching Services). */
export const KUBERNETES_ROUTING: RoutingCapabilities = {
  provider: 'kubernetes',
  weights: false,
  headerMatch: false,
  mirroring: false,
  sessionAffinity: false,
};

const ok = (name: string): CheckOutcome => ({ ok: true, name });
const no = (name: string): CheckOutcome => ({ ok: false, name, reason: 'no' });

/** A passing outcome. */
export const pass = ok;
/** A failing outcome with a reason (and, for metrics, Flagger's whole text). */
export const fail = (name: string, reason: string, message?: string): CheckOutcome =>
  message === undefined ? { ok: false, name, reason } : { ok: false, name, reason, message };
/** Readiness helpers. */
export const ready: Readiness = { ready: true };
export const waiting = (reason: string): Readiness => ({ ready: false, retriable: true, reason });
export const deadline = (reason: string): Readiness => ({ ready: false, retriable: false, reason });

/** One canary's life. */
export class Film {
  status: CanaryStatus | undefined;
  now = Date.UTC(2026, 0, 1);
  readonly world: World = {
    routes: { primary: 100, canary: 0, mirrored: false },
    target: 'up',
    targetRevision: 'r1',
    primaryRevision: 'r1',
    scalerSyncs: 0,
    postRollouts: [],
    alerts: [],
  };
  readonly frames: Frame[] = [];
  readonly name: string;
  readonly namespace: string;

  constructor(
    public spec: CanarySpec,
    private readonly options: FilmOptions = {},
  ) {
    this.name = options.name ?? 'account';
    this.namespace = options.namespace ?? 'shop';
  }

  /** Plays one tick. */
  tick(scene: Scene = {}): Frame {
    this.prepare(scene);
    const needs: Need[] = [];
    let input = this.input(scene, {});
    for (;;) {
      const result = step(input);
      if (result.kind === 'decision') {
        for (const action of result.actions) this.apply(action);
        if (result.status) this.status = result.status;
        const frame: Frame = {
          events: result.events.map((event) => `${event.type}: ${event.message}`),
          actions: result.actions,
          needs,
          written: result.status,
          phase: this.status?.phase ?? '',
          weights: `${this.world.routes.primary}/${this.world.routes.canary}${this.world.routes.mirrored ? ' mirrored' : ''}`,
        };
        this.frames.push(frame);
        this.now += analysisIntervalMs(this.spec);
        return frame;
      }
      if (needs.some((asked) => JSON.stringify(asked) === JSON.stringify(result.need))) {
        throw new Error(`engine asked twice for ${JSON.stringify(result.need)}`);
      }
      needs.push(result.need);
      input = this.input(scene, this.answer(scene, result.need, input.observation.answers ?? {}));
    }
  }

  /** Plays `count` ticks with the same scene; returns their frames. */
  play(count: number, scene: Scene = {}): Frame[] {
    return Array.from({ length: count }, () => this.tick(scene));
  }

  /** Every event of the film so far. */
  events(): string[] {
    return this.frames.flatMap((frame) => frame.events);
  }

  private prepare(scene: Scene): void {
    if (scene.spec) this.spec = scene.spec;
    if (scene.deploy !== undefined) {
      this.world.targetRevision = scene.deploy;
    }
    if (scene.configs) this.world.trackedConfigs = scene.configs;
  }

  private input(scene: Scene, answers: NonNullable<StepInput['observation']['answers']>): StepInput {
    const routes = this.options.routesOf?.(this.world, this.status) ?? this.world.routes;
    const revision = this.world.trackedConfigs
      ? { spec: this.world.targetRevision, trackedConfigs: this.world.trackedConfigs }
      : { spec: this.world.targetRevision };
    return {
      name: this.name,
      namespace: this.namespace,
      spec: this.spec,
      status: this.status,
      now: this.now,
      routing: this.options.routing ?? APPMESH_ROUTING,
      ...(scene.command ? { command: scene.command } : {}),
      observation: {
        revision,
        primary: scene.primary ?? ready,
        canary: scene.canary ?? ready,
        routes: scene.routesError === undefined ? { ...routes } : { error: scene.routesError },
        answers,
      },
    };
  }

  private answer(scene: Scene, need: Need, answers: NonNullable<StepInput['observation']['answers']>) {
    switch (need.kind) {
      case 'gate': {
        const given = scene.gates?.[need.gate] ?? hooksOf(this.spec, need.gate).map((hook) => ok(hook.name));
        return { ...answers, gates: { ...answers.gates, [need.gate]: given } };
      }
      case 'rollback-hooks':
        return {
          ...answers,
          rollbackHooks: scene.rollbackHooks ?? hooksOf(this.spec, 'rollback').map((h) => no(h.name)),
        };
      case 'pre-rollout':
        return { ...answers, preRollout: scene.preRollout ?? hooksOf(this.spec, 'pre-rollout').map((h) => ok(h.name)) };
      case 'analysis': {
        const metrics = (this.spec.analysis.metrics ?? []).map((metric) => ok(metric.name));
        const hooks = hooksOf(this.spec, 'rollout').map((hook) => ok(hook.name));
        return { ...answers, analysis: scene.analysis ?? [...hooks, ...metrics] };
      }
      case 'judge-start':
        return { ...answers, judgeStart: scene.judgeStart ?? { ok: true, pre: {}, notes: [] } };
      case 'judge-window':
        if (!scene.judgeCounts) throw new Error(`the scene has no judge counts for ${JSON.stringify(need)}`);
        return { ...answers, judgeWindow: scene.judgeCounts(need) };
    }
  }

  private apply(action: Action): void {
    switch (action.kind) {
      case 'set-routes':
        this.world.routes = { primary: action.primary, canary: action.canary, mirrored: action.mirrored };
        return;
      case 'scale-target':
        this.world.target = action.to;
        return;
      case 'promote':
        this.world.primaryRevision = this.world.targetRevision;
        return;
      case 'sync-primary-scaler':
        this.world.scalerSyncs += 1;
        return;
      case 'post-rollout':
        this.world.postRollouts.push(action.phase);
        return;
      case 'alert':
        this.world.alerts.push(`${action.severity}: ${action.message}`);
        return;
    }
  }
}

type Analysis = CanarySpec['analysis'];
/** Analysis fields to set; `undefined` removes the seed's value. */
export type AnalysisEdit = { [K in keyof Analysis]?: Analysis[K] | undefined };

/**
 * The seed's Canary (examples/seed/canary.yaml): App Mesh, HPA, stepWeight 20 up to 80, threshold
 * 3, success-rate and duration checks and one rollout hook; `analysis` overrides replace fields.
 */
export function seedSpec(analysis: AnalysisEdit = {}, spec: Partial<CanarySpec> = {}): CanarySpec {
  const seed: CanarySpec = {
    provider: 'appmesh:v1beta2',
    // src/api's type wrongly requires targetRef.namespace (objectRef's conditional spread); the CRD does not.
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account' } as CanarySpec['targetRef'],
    progressDeadlineSeconds: 300,
    autoscalerRef: { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', name: 'account' },
    service: { port: 8180 },
    skipAnalysis: false,
    ...spec,
    analysis: {
      interval: '30s',
      threshold: 3,
      maxWeight: 80,
      stepWeight: 20,
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
        { name: 'request-duration', thresholdRange: { max: 500 }, interval: '30s' },
      ],
      webhooks: [{ name: 'acceptance-test', type: 'rollout', url: 'http://flagger-loadtester.shop/', timeout: '60s' }],
    },
  };
  const edited = Object.entries({ ...seed.analysis, ...analysis }).filter(([, value]) => value !== undefined);
  return { ...seed, analysis: Object.fromEntries(edited) };
}

/** A film of the seed's canary already initialized on revision r1 (one tick played). */
export function initializedFilm(spec: CanarySpec = seedSpec(), options: FilmOptions = {}): Film {
  const film = new Film(spec, options);
  film.tick();
  return film;
}

/** A film already Progressing on revision r2 with the target scaled up (two ticks played). */
export function progressingFilm(spec: CanarySpec = seedSpec(), options: FilmOptions = {}): Film {
  const film = initializedFilm(spec, options);
  film.tick({ deploy: 'r2' });
  return film;
}
