import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { judgeWindow, resolveJudgeConfig, startJudge } from '../judge/index.js';
import { CanaryDefinition } from './canary.js';
import { toCustomResourceDefinition, type JsonSchema } from './crd.js';
import { judgeStatusOf, resolveCanaryJudge } from './judge-settings.js';
import { createValidators, formatIssues, type ValidationIssue, type ValidationResult } from './validate.js';

/** The seed's Canary, trimmed to what the judge cares about. */
const CANARY = `
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: account, namespace: shop}
spec:
  provider: appmesh:v1beta2
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: account}
  service: {port: 8180}
  analysis:
    interval: 30s
    threshold: 3
    maxWeight: 80
    stepWeight: 20
    metrics:
    - name: request-success-rate
      thresholdRange: {min: 99}
      interval: 1m
`;

/** The example of docs/judge.md ("Configuring `spec.analysis.judge`"): the first YAML block after that heading. */
function documentedSpec(): Json {
  const doc = readFileSync(new URL('../../docs/judge.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Configuring `spec.analysis.judge`'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'docs/judge.md has the example');
  return (parse(block) as Json).spec as Json;
}

type Json = Record<string, any>;
const validators = createValidators();

function canary(judge?: unknown, edit?: (analysis: Json) => void): Json {
  const obj = parse(CANARY) as Json;
  if (judge !== undefined) obj.spec.analysis.judge = judge;
  edit?.(obj.spec.analysis);
  return obj;
}

function issuesOf(result: ValidationResult<unknown>): readonly ValidationIssue[] {
  assert.equal(result.ok, false, 'expected the Canary to be refused');
  return result.ok ? [] : result.issues;
}

/** Exactly one issue at `path`, containing every fragment. */
function assertIssue(result: ValidationResult<unknown>, path: string, ...fragments: string[]): void {
  const issues = issuesOf(result);
  const at = issues.filter((i) => i.path === path);
  assert.equal(at.length, 1, `expected one issue at ${path}, got:\n${formatIssues(issues)}`);
  for (const f of fragments) assert.ok(at[0]?.message.includes(f), `"${at[0]?.message}" lacks "${f}"`);
}

describe('a Canary without spec.analysis.judge', () => {
  test('validates to exactly what it was, with no judge and no judge settings', () => {
    const input = canary();
    const result = validators.canary(input);
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
    assert.deepEqual(result.value, input, 'nothing added, nothing removed');
    assert.equal(resolveCanaryJudge(result.value.spec.analysis), null);
  });

  test('keeps a status without judge as it was', () => {
    const status = { phase: 'Progressing', canaryWeight: 20, failedChecks: 0, iterations: 0 };
    const result = validators.canary({ ...canary(), status });
    assert.ok(result.ok);
    assert.deepEqual(result.value.status, status);
  });
});

describe('spec.analysis.judge', () => {
  test('an empty judge turns on every signal with the defaults: builtin series, fail after 30m', () => {
    const result = validators.canary(canary({}));
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
    assert.deepEqual(result.value.spec.analysis.judge, {}, 'no default is written into the object');
    const settings = resolveCanaryJudge(result.value.spec.analysis);
    assert.ok(settings?.ok);
    const core = resolveJudgeConfig({});
    assert.ok(core.ok);
    assert.deepEqual(settings.value, {
      config: core.value,
      onInconclusive: 'fail',
      maxStepDurationMs: 30 * 60_000,
      source: { kind: 'builtin' },
    });
  });

  test('the example in docs/judge.md validates and resolves field by field', () => {
    const input = canary();
    input.spec.analysis = documentedSpec().analysis;
    const result = validators.canary(input);
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
    const settings = resolveCanaryJudge(result.value.spec.analysis);
    assert.ok(settings?.ok);
    const { config, onInconclusive, maxStepDurationMs, source } = settings.value;
    assert.deepEqual(
      config.signals.map((s) => [s.name, s.failAbove, s.passBelow, s.alpha, s.quantile, s.zeroEventRate]),
      [
        ['error-ratio', 1.1, 2, 0.005, undefined, 0.001],
        ['latency-tail', 1.1, 1.5, 0.005, 0.99, 0.001],
      ],
    );
    assert.deepEqual([config.alpha, config.beta], [0.01, 0.05]);
    assert.deepEqual(config.split, { tolerance: 0.3, alpha: 0.001 });
    assert.equal(onInconclusive, 'fail');
    assert.equal(maxStepDurationMs, 1_800_000);
    assert.deepEqual(source, {
      kind: 'templates',
      podLabel: 'pod',
      requests: { name: 'judge-requests' },
      errors: { name: 'judge-errors' },
      latency: { name: 'judge-latency', namespace: 'monitoring' },
    });
  });

  test('weights split α; hold is kept', () => {
    const judge = { onInconclusive: 'hold', compare: [{ name: 'error-ratio', weight: 2 }, { name: 'latency-body' }] };
    const settings = resolveCanaryJudge(canary(judge).spec.analysis);
    assert.ok(settings?.ok);
    assert.deepEqual(
      settings.value.config.signals.map((s) => [s.name, s.alpha]),
      [
        ['error-ratio', (0.01 * 2) / 3],
        ['latency-body', 0.01 / 3],
      ],
    );
    assert.equal(settings.value.onInconclusive, 'hold');
  });

  test('trafficSplit.enabled: false turns the split check off; maxStepDuration takes hours', () => {
    const settings = resolveCanaryJudge(
      canary({ trafficSplit: { enabled: false }, maxStepDuration: '1h30m' }).spec.analysis,
    );
    assert.ok(settings?.ok);
    assert.equal(settings.value.config.split, null);
    assert.equal(settings.value.maxStepDurationMs, 5_400_000);
  });

  test('each bad number is refused at its field, quoting it, with the fix', () => {
    const cases: [unknown, string, ...string[]][] = [
      [
        { falseRollbackRate: 0.7 },
        'spec.analysis.judge.falseRollbackRate',
        '0.7 must be between 0 and 0.5',
        'use 0.01',
      ],
      [{ missRate: 0 }, 'spec.analysis.judge.missRate', '0 must be between 0 and 0.5', 'use 0.05'],
      [
        { compare: [{ name: 'error-ratio' }, { name: 'latency-tail', passBelow: 1.05 }] },
        'spec.analysis.judge.compare[1].passBelow',
        '1.05 must be above failAbove (1.1)',
        'use 1.65',
      ],
      [
        { compare: [{ name: 'error-ratio', failAbove: 0 }] },
        'spec.analysis.judge.compare[0].failAbove',
        'must be a ratio > 0',
      ],
      [{ compare: [{ name: 'error-ratio', weight: -1 }] }, 'spec.analysis.judge.compare[0].weight', '-1 must be > 0'],
      [
        { compare: [{ name: 'error-ratio', zeroEventRate: 1 }] },
        'spec.analysis.judge.compare[0].zeroEventRate',
        'must be between 0 (off) and 1',
      ],
      [
        { compare: [{ name: 'error-ratio', quantile: 0.9 }] },
        'spec.analysis.judge.compare[0].quantile',
        'is only for latency signals',
        'remove quantile',
      ],
      [
        { compare: [{ name: 'latency-body', quantile: 0.3 }] },
        'spec.analysis.judge.compare[0].quantile',
        '0.3 must be at least 0.5',
      ],
      [
        { compare: [{ name: 'error-ratio' }, { name: 'error-ratio' }] },
        'spec.analysis.judge.compare[1].name',
        '"error-ratio" is listed twice',
      ],
      [{ compare: [] }, 'spec.analysis.judge.compare', 'is empty', 'list at least one of error-ratio'],
      [
        { trafficSplit: { tolerance: 1.5 } },
        'spec.analysis.judge.trafficSplit.tolerance',
        '1.5 must be between 0 and 1',
      ],
      [
        { trafficSplit: { falseHoldRate: 0 } },
        'spec.analysis.judge.trafficSplit.falseHoldRate',
        '0 must be between 0 and 1',
      ],
    ];
    for (const [judge, path, ...fragments] of cases) assertIssue(validators.canary(canary(judge)), path, ...fragments);
  });

  test('the schema refuses an unknown signal, an unknown onInconclusive and a duration that is not one', () => {
    assertIssue(
      validators.canary(canary({ compare: [{ name: 'latency-p99' }] })),
      'spec.analysis.judge.compare[0].name',
      'unsupported value "latency-p99"',
      '"error-ratio", "latency-tail", "latency-body"',
    );
    assertIssue(
      validators.canary(canary({ onInconclusive: 'retry' })),
      'spec.analysis.judge.onInconclusive',
      'unsupported value "retry"',
      '"fail", "hold", "promote"',
    );
    assertIssue(
      validators.canary(canary({ maxStepDuration: '30 minutes' })),
      'spec.analysis.judge.maxStepDuration',
      'must be a duration such as 500ms, 30s or 1m30s',
    );
  });

  test('maxStepDuration must leave room for more than one window', () => {
    assertIssue(
      validators.canary(canary({ maxStepDuration: '0s' })),
      'spec.analysis.judge.maxStepDuration',
      'must be above 0',
    );
    assertIssue(
      validators.canary(canary({ maxStepDuration: '20s' })),
      'spec.analysis.judge.maxStepDuration',
      '20s is shorter than analysis.interval (30s)',
      'use at least 30s',
    );
  });

  test('A/B testing and blue/green cannot be judged, and say what to use instead', () => {
    const ab = canary({}, (a) => {
      delete a.stepWeight;
      delete a.maxWeight;
      a.iterations = 10;
      a.match = [{ headers: { 'x-canary': { exact: 'insider' } } }];
    });
    assertIssue(validators.canary(ab), 'spec.analysis.judge', 'cannot judge A/B testing', 'stepWeight or stepWeights');
    const blueGreen = canary({}, (a) => {
      delete a.stepWeight;
      delete a.maxWeight;
      a.iterations = 10;
    });
    assertIssue(
      validators.canary(blueGreen),
      'spec.analysis.judge',
      'needs a traffic split',
      'use stepWeight or stepWeights',
    );
  });

  test('MetricTemplate counts must cover every compared signal', () => {
    const onlyRequests = { source: { templates: { requests: { name: 'r' } } } };
    const result = validators.canary(canary(onlyRequests));
    assertIssue(result, 'spec.analysis.judge.source.templates.errors', 'is required when error-ratio is compared');
    assertIssue(
      result,
      'spec.analysis.judge.source.templates.latency',
      'is required when the latency signals are compared',
    );
    const errorsOnly = {
      compare: [{ name: 'error-ratio' }],
      source: { templates: { requests: { name: 'r' }, errors: { name: 'e' } } },
    };
    assert.ok(validators.canary(canary(errorsOnly)).ok);
  });

  test('reports every problem at once, one issue per field, and resolve says the first with its fix', () => {
    const judge = { falseRollbackRate: 2, missRate: 2, maxStepDuration: '10s' };
    const issues = issuesOf(validators.canary(canary(judge)));
    assert.deepEqual(
      issues.map((i) => i.path),
      ['spec.analysis.judge.falseRollbackRate', 'spec.analysis.judge.missRate', 'spec.analysis.judge.maxStepDuration'],
    );
    const resolved = resolveCanaryJudge(canary(judge).spec.analysis);
    assert.deepEqual(resolved, {
      ok: false,
      problem: {
        message: 'spec.analysis.judge.falseRollbackRate 2 must be between 0 and 0.5',
        fix: 'use 0.01 (one false rollback in 100 releases) or 0.05',
      },
    });
  });
});

describe('status.judge', () => {
  const errorsOnly = resolveJudgeConfig({ compare: [{ name: 'error-ratio' }] });
  assert.ok(errorsOnly.ok);
  const config = errorsOnly.value;
  const window = (canaryErrors: number, primaryErrors: number) => ({
    seconds: 60,
    canaryWeight: 10,
    errors: {
      kind: 'counts' as const,
      counts: { canary: { requests: 600, events: canaryErrors }, primary: { requests: 5400, events: primaryErrors } },
    },
  });

  test('carries a FAIL with its evidence, typed, and the state as plain JSON; the validator keeps both', () => {
    const outcome = judgeWindow(config, startJudge(config, {}), window(8, 5));
    const judge = judgeStatusOf(outcome, '2026-01-01T00:01:00Z');
    const result = validators.canary({ ...canary({}), status: { phase: 'Progressing', judge } });
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
    const kept = result.value.status?.judge;
    assert.deepEqual(kept, JSON.parse(JSON.stringify(judge)), 'nothing pruned, nothing lost in JSON');
    assert.equal(kept?.verdict, 'FAIL');
    const [signal] = kept?.signals ?? [];
    assert.deepEqual(
      [signal?.canary, signal?.primary],
      [
        { requests: 600, events: 8 },
        { requests: 5400, events: 5 },
      ],
    );
    assert.ok((signal?.lower ?? 0) > 1.1 && signal?.verdict === 'FAIL');
    assert.deepEqual(kept?.state, JSON.parse(JSON.stringify(outcome.state)));
    assert.equal(kept?.split?.weight, 10);
  });

  test('leaves out what JSON cannot hold: an infinite ratio, an unbounded upper bound', () => {
    const outcome = judgeWindow(config, startJudge(config, {}), window(3, 0));
    const [signal] = judgeStatusOf(outcome, '2026-01-01T00:01:00Z').signals;
    assert.equal(outcome.signals[0]?.ratio, Infinity);
    assert.equal(signal?.ratio, undefined);
    assert.equal(signal?.upper, undefined);
    assert.ok(
      validators.canary({ ...canary({}), status: { judge: judgeStatusOf(outcome, '2026-01-01T00:01:00Z') } }).ok,
    );
  });

  test('refuses evidence with an unknown verdict', () => {
    const judge = judgeStatusOf(judgeWindow(config, startJudge(config, {}), window(0, 5)), '2026-01-01T00:01:00Z');
    const bad = { ...judge, verdict: 'MAYBE' };
    assertIssue(
      validators.canary({ ...canary({}), status: { judge: bad } }),
      'status.judge.verdict',
      'unsupported value "MAYBE"',
    );
  });
});

describe('the CRD', () => {
  const schema = toCustomResourceDefinition(CanaryDefinition).spec.versions[0]?.schema.openAPIV3Schema as JsonSchema;
  const at = (path: string): JsonSchema =>
    path.split('.').reduce((node: JsonSchema, name) => {
      const next = node.type === 'array' ? (node.items as JsonSchema) : node;
      return (next.properties as Record<string, JsonSchema>)[name] as JsonSchema;
    }, schema);

  test('declares spec.analysis.judge and types the status evidence; only the state blob keeps unknown fields', () => {
    assert.equal(at('spec.analysis.judge').type, 'object');
    assert.deepEqual(at('spec.analysis.judge.onInconclusive').enum, ['fail', 'hold', 'promote']);
    assert.equal(at('status.judge.signals.canary.requests').type, 'integer');
    assert.equal(at('status.judge.state')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(at('status.judge.signals')['x-kubernetes-preserve-unknown-fields'], undefined);
  });
});
