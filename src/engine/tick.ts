/**
 * One tick under construction: the input, the settings derived from the spec, and what the tick has
 * decided so far (events, actions, status draft). Built fresh on every `step` call, so answers
 * gathered by the controller replay the same decisions up to the next missing one.
 */
import type { CanaryAnalysis, CanarySpec, CanaryStatus, Phase } from '../api/index.js';
import type {
  Action,
  Answers,
  EngineEvent,
  Need,
  Observation,
  RoutingCapabilities,
  StepInput,
  StepResult,
} from './model.js';
import { analysisOf, analysisThreshold, strategyOf, type StrategyPlan } from './settings.js';
import { StatusDraft } from './status.js';
import { maxWeightOf } from './weights.js';

/** What a stage of the tick says: go on with the next stage, the tick is decided, or an answer is missing. */
export type Stage = 'next' | 'done' | Need;

/** Is this stage result a question for the controller? */
export function isNeed(value: unknown): value is Need {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** The working state of one `step` call. Mutable inside the call only; nothing outlives it. */
export class Tick {
  readonly name: string;
  readonly namespace: string;
  /** `spec.targetRef.name`: several Flagger texts name the workload, not the Canary. */
  readonly target: string;
  /** `spec.targetRef.kind`. */
  readonly kind: string;
  readonly spec: CanarySpec;
  readonly analysis: CanaryAnalysis;
  /** The status at the start of the tick: Flagger decides on the object it read, not on its own writes. */
  readonly status: CanaryStatus | undefined;
  /** Phase at the start of the tick ('' when never initialized). */
  readonly phase: Phase;
  readonly observation: Observation;
  readonly answers: Answers;
  /** What the routing provider can do. */
  readonly routing: RoutingCapabilities;
  readonly threshold: number;
  readonly maxWeight: number;
  readonly plan: StrategyPlan;
  readonly draft: StatusDraft;
  readonly command: StepInput['command'];
  /** Wall-clock time of this tick, ms since the epoch. */
  readonly now: number;
  private readonly events: EngineEvent[] = [];
  private readonly actions: Action[] = [];

  constructor(input: StepInput) {
    this.name = input.name;
    this.namespace = input.namespace;
    this.spec = input.spec;
    this.target = input.spec.targetRef.name;
    this.kind = input.spec.targetRef.kind;
    this.analysis = analysisOf(input.spec);
    this.status = input.status;
    this.phase = input.status?.phase ?? '';
    this.observation = input.observation;
    this.answers = input.observation.answers ?? {};
    this.routing = input.routing;
    this.threshold = analysisThreshold(input.spec);
    this.maxWeight = maxWeightOf(input.spec);
    this.plan = strategyOf(input.spec, input.routing);
    this.command = input.command;
    this.now = input.now;
    this.draft = new StatusDraft(input.status, input.observation.revision, this.kind, input.now);
  }

  /** Failed checks counted in this run so far. */
  get failedChecks(): number {
    return this.status?.failedChecks ?? 0;
  }

  /** Iterations done in this run so far. */
  get iterations(): number {
    return this.status?.iterations ?? 0;
  }

  /** Records a Normal event. */
  normal(message: string): void {
    this.events.push({ type: 'Normal', message });
  }

  /** Records a Warning event. */
  warning(message: string): void {
    this.events.push({ type: 'Warning', message });
  }

  /** Appends an action for the controller. */
  act(action: Action): void {
    this.actions.push(action);
  }

  /** Routes traffic; `mirrored` defaults to off, as in every Flagger call but the mirror steps. */
  route(primary: number, canary: number, mirrored = false): void {
    this.act({ kind: 'set-routes', primary, canary, mirrored });
  }

  /** Sends an alert; `withMetadata` adds Flagger's target/threshold/deadline/routing fields. */
  alert(severity: 'info' | 'warn' | 'error', message: string, withMetadata = false): void {
    this.act(withMetadata ? { kind: 'alert', severity, message, withMetadata } : { kind: 'alert', severity, message });
  }

  /** The decision so far. */
  decision(): StepResult {
    return { kind: 'decision', status: this.draft.result(), actions: this.actions, events: this.events };
  }
}
