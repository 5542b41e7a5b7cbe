/**
 * The scenario format of `serin simulate`: how each revision of the target behaves (readiness,
 * metric values, webhook answers) and what happens over virtual time (config changes, new images,
 * Canary edits, rollout restarts). One schema gives the type and the validation.
 */
import { Type, type Static } from '@sinclair/typebox';
import { parseAllDocuments } from 'yaml';
import { createSchemaValidator, formatIssues } from '../api/index.js';
import { StringEnum, StringMap } from '../api/schema-kit.js';
import { NON_NEGATIVE_DURATION_PATTERN, nonNegativeDurationMs } from '../lib/duration.js';

const DurationText = Type.String({
  pattern: NON_NEGATIVE_DURATION_PATTERN,
  description: 'A Go duration such as `500ms`, `30s`, `1h30m`; never negative.',
});

const WhenSchema = Type.Object(
  {
    image: Type.Optional(Type.String({ description: 'A container image of the pod template equals this.' })),
    configContains: Type.Optional(
      Type.String({ description: 'A value of a ConfigMap or Secret the pod template uses contains this text.' }),
    ),
    annotation: Type.Optional(
      StringMap(Type.String(), { description: 'Pod template annotations that must all be present.' }),
    ),
  },
  { description: 'Which revisions this behaviour applies to; all given matchers must hold. Omitted: every revision.' },
);

const MetricValueSchema = Type.Union(
  [
    Type.Number({ description: 'A constant value.' }),
    StringEnum(['no-data'], { description: 'The query returns nothing.' }),
  ],
  { description: 'A metric value (success rate in %, duration in ms), or `no-data`.' },
);

const VersionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'A name for this behaviour, shown in the timeline.' }),
    when: Type.Optional(WhenSchema),
    ready: Type.Optional(
      Type.Union([Type.Boolean(), DurationText], {
        description: 'Whether the pods become ready: `true` (at once, the default), `false` (never) or a duration.',
      }),
    ),
    metrics: Type.Optional(
      StringMap(MetricValueSchema, { description: 'Metric name → value measured while this revision is the canary.' }),
    ),
    errorRate: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'For the statistical judge: the share of requests this revision fails (default 0).',
      }),
    ),
    latencyMs: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'For the statistical judge: the median latency of this revision, in ms (default 100).',
      }),
    ),
  },
  { description: 'How the revisions matching `when` behave.' },
);

const StepSchema = Type.Object(
  {
    at: DurationText,
    note: Type.Optional(Type.String({ description: 'What this step stands for, shown in the timeline.' })),
    configMap: Type.Optional(
      Type.Object(
        { name: Type.String(), data: StringMap(Type.String(), { description: 'The new data.' }) },
        { description: 'Replace the data of a ConfigMap (a GitOps commit).' },
      ),
    ),
    setImage: Type.Optional(
      Type.Object(
        {
          deployment: Type.String(),
          container: Type.Optional(Type.String({ description: 'Default: the first container.' })),
          image: Type.String(),
        },
        { description: 'Set a container image of a Deployment (or DaemonSet).' },
      ),
    ),
    patchCanary: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          patch: Type.Unsafe<Record<string, unknown>>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
        },
        { description: 'A JSON merge patch applied to a Canary (e.g. a relaxed threshold).' },
      ),
    ),
    rolloutRestart: Type.Optional(
      Type.String({ description: 'A Deployment (or DaemonSet) to restart, as `kubectl rollout restart` does.' }),
    ),
    serin: Type.Optional(
      Type.Object(
        {
          command: StringEnum(['promote', 'abort', 'retry', 'pause', 'resume'], { description: 'The command.' }),
          canary: Type.String({ description: 'The Canary it names.' }),
        },
        { description: 'A person runs `serin <command> <canary>` (the annotation it writes).' },
      ),
    ),
  },
  { description: 'Something that happens at a point of virtual time; exactly one action.' },
);

export const ScenarioSchema = Type.Object(
  {
    apiVersion: StringEnum(['serin.dev/v1alpha1'], { description: 'Format version.' }),
    kind: StringEnum(['Scenario'], { description: 'Always `Scenario`.' }),
    metadata: Type.Object({ name: Type.String({ minLength: 1 }) }, { description: 'The scenario name.' }),
    description: Type.Optional(Type.String({ description: 'What the scenario plays, shown in the output.' })),
    duration: Type.Optional(
      Type.String({ pattern: NON_NEGATIVE_DURATION_PATTERN, description: 'Virtual time limit; default `2h`.' }),
    ),
    versions: Type.Array(VersionSchema, { minItems: 1, description: 'Behaviours, first match wins.' }),
    requestsPerSecond: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'For the statistical judge: live requests per second to the service, split by the weights (default 100).',
      }),
    ),
    webhooks: Type.Optional(
      StringMap(Type.String({ pattern: '^(pass|fail)(: .*)?$' }), {
        description: 'Webhook name → `pass` or `fail[: message]`. Unlisted webhooks pass.',
      }),
    ),
    steps: Type.Optional(Type.Array(StepSchema, { description: 'What happens, in time order.' })),
  },
  { description: 'A scenario for `serin simulate`.' },
);

export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioVersion = Static<typeof VersionSchema>;
export type ScenarioStep = Static<typeof StepSchema>;

/** A scenario duration (`1h30m`, `45s`, `500ms`; Go's grammar) in ms; undefined when it is not one or is negative. */
export const durationMs: (text: string) => number | undefined = nonNegativeDurationMs;

const STEP_ACTIONS = ['configMap', 'setImage', 'patchCanary', 'rolloutRestart', 'serin'] as const;

/** Reads a scenario file's text: a value, or an error naming the file, the field and what was expected. */
export function parseScenario(
  text: string,
  file: string,
): { ok: true; scenario: Scenario } | { ok: false; error: string } {
  const docs = parseAllDocuments(text);
  const first = docs[0];
  if (!first || docs.length !== 1)
    return { ok: false, error: `${file}: expected one YAML document, found ${docs.length}` };
  if (first.errors.length > 0) return { ok: false, error: `${file}: not valid YAML: ${first.errors[0]?.message}` };
  const checked = createSchemaValidator<Scenario>(ScenarioSchema)(first.toJS());
  if (!checked.ok)
    return { ok: false, error: `${file}: ${formatIssues(checked.issues).replaceAll('\n', `\n${file}: `)}` };
  const problems: string[] = [];
  (checked.value.steps ?? []).forEach((step, i) => {
    const actions = STEP_ACTIONS.filter((a) => step[a] !== undefined);
    if (actions.length !== 1) {
      problems.push(
        `${file}: steps[${i}]: set exactly one of ${STEP_ACTIONS.join(', ')} (got ${actions.join(', ') || 'none'})`,
      );
    }
  });
  if (problems.length > 0) return { ok: false, error: problems.join('\n') };
  return { ok: true, scenario: checked.value };
}
