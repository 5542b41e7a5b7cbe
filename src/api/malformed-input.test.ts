/**
 * Issue #10: thousands of malformed Canaries, MetricTemplates and AlertProviders, generated from a
 * fixed seed, through every path that reads them without a cluster — the file reader (as kubectl
 * reads YAML), validation, the engine (with random statuses, which users can write too) and
 * `serin simulate` (its file loader and a short simulated release). None may throw or hang; every
 * refusal names a field and stays short. `SERIN_FUZZ_SEED=<n>` replays another seed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { step } from '../engine/index.js';
import type { StepInput } from '../engine/model.js';
import { asStored } from '../kube/as-stored.js';
import { readYamlDocuments } from '../kube/yaml-documents.js';
import { InputError, loadManifests } from '../sim/inputs.js';
import { simulate } from '../sim/simulation.js';
import { createValidators, type Canary, type ValidationResult } from './index.js';

const SEED = Number(process.env.SERIN_FUZZ_SEED ?? 20_261_203);
const OBJECTS = 3000;
const SIMULATED = 25;
const LOADED = 150;

/** mulberry32: small, fast and the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Kind = 'Canary' | 'MetricTemplate' | 'AlertProvider';

function base(kind: Kind): { [key: string]: Json } {
  const metadata = { name: 'app', namespace: 'fuzz' };
  const head = { apiVersion: 'flagger.app/v1beta1', kind, metadata };
  if (kind === 'MetricTemplate') {
    return {
      ...head,
      spec: {
        provider: { type: 'prometheus', address: 'http://prom:9090' },
        query: 'sum(rate(x{ns="{{ namespace }}"}[{{ interval }}]))',
      },
    };
  }
  if (kind === 'AlertProvider') {
    return {
      ...head,
      spec: { type: 'slack', channel: 'releases', username: 'serin', address: 'https://hooks.slack.com/services/x' },
    };
  }
  return {
    ...head,
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
      progressDeadlineSeconds: 60,
      service: { port: 8080, timeout: '15s', retries: { attempts: 3, perTryTimeout: '5s' } },
      analysis: {
        interval: '1m',
        threshold: 3,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
        webhooks: [
          { name: 'load', type: 'rollout', url: 'http://loadtester/', timeout: '5s', metadata: { cmd: 'hey' } },
        ],
      },
    },
  };
}

function nest(depth: number): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

const WEIRD: readonly (() => Json)[] = [
  () => null,
  () => true,
  () => 0,
  () => -1,
  () => 1e308,
  () => 1.5,
  () => 2 ** 53 + 1,
  () => '',
  () => ' ',
  () => 'x'.repeat(5000),
  () => '40000m',
  () => '-1s',
  () => '1e9h',
  () => '5x',
  () => '💥',
  () => 'yes',
  () => '{{ range . }}',
  () => '{{ printf "%d" name }}',
  () => '{{ name | quote }}',
  () => '{{',
  () => [],
  () => ({}),
  () => [null],
  () => ({ a: 1 }),
  () => nest(150),
  () => nest(1500),
  () => [[[[[]]]]],
  () => '0x1F',
  () => 'on',
];

/** Every (parent, key) of an object, found without recursion. */
function slots(root: { [key: string]: Json }): [Json[] | { [key: string]: Json }, string | number][] {
  const out: [Json[] | { [key: string]: Json }, string | number][] = [];
  const stack: Json[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node === null || typeof node !== 'object') continue;
    const entries: [string | number, Json][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [k, v] of entries) {
      if (node !== root || k === 'spec') out.push([node, k]);
      if (out.length < 500) stack.push(v);
    }
  }
  return out;
}

function mutate(obj: { [key: string]: Json }, r: () => number): void {
  const places = slots(obj);
  const [parent, key] = places[Math.floor(r() * places.length)] ?? [obj, 'spec'];
  const weird = (WEIRD[Math.floor(r() * WEIRD.length)] as () => Json)();
  const choice = r();
  if (choice < 0.2) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (choice < 0.35 && !Array.isArray(parent)) parent[`unknown${Math.floor(r() * 100)}`] = weird;
  else (parent as { [k: string]: Json })[key] = weird;
}

/** The object as a person would write it: YAML when it can be written so, else JSON. */
function asFile(obj: Json, r: () => number): string {
  return r() < 0.5 &&
    JSON.stringify(obj).length < 20_000 &&
    !JSON.stringify(obj).includes('{"a":{"a":{"a":{"a":{"a":{"a"')
    ? stringify(obj)
    : JSON.stringify(obj);
}

function shown(obj: Json): string {
  const text = JSON.stringify(obj);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

test(`${OBJECTS} malformed Flagger objects (seed ${SEED}) are refused with a field named, or run without a crash`, async (t) => {
  t.diagnostic(`seed ${SEED} (replay with SERIN_FUZZ_SEED=${SEED})`);
  const r = prng(SEED);
  const validators = createValidators({ unknownFields: 'reject' });
  const validate: Record<Kind, (o: unknown) => ValidationResult<unknown>> = {
    Canary: validators.canary,
    MetricTemplate: validators.metricTemplate,
    AlertProvider: validators.alertProvider,
  };
  const valid: Canary[] = [];
  const refusedFiles: string[] = [];
  const tally = { refused: 0, accepted: 0, unreadable: 0 };
  const started = Date.now();
  for (let i = 0; i < OBJECTS; i++) {
    const kind = (['Canary', 'Canary', 'MetricTemplate', 'AlertProvider'] as const)[Math.floor(r() * 4)] as Kind;
    const obj = base(kind);
    for (let m = 1 + Math.floor(r() * 3); m > 0; m--) mutate(obj, r);
    const where = `seed ${SEED}, object #${i}: ${shown(obj)}`;
    const text = asFile(obj, r);
    const [doc] = readYamlDocuments(text);
    if (doc?.error !== undefined) {
      tally.unreadable++;
      assert.ok(doc.error.length <= 1024, `${where}: the read error is not bounded`);
      continue;
    }
    // as every reader does: nulls dropped as the API server drops them
    const result = validate[kind](asStored(doc?.value));
    if (!result.ok) {
      tally.refused++;
      assert.ok(result.issues.length > 0, `${where}: refused without a problem`);
      for (const issue of result.issues) {
        const named = issue.path !== '' || /field "[^"]+"/.test(issue.message);
        assert.ok(named, `${where}: a problem names no field: ${issue.message}`);
        assert.ok(
          issue.message.length > 0 && issue.message.length <= 1024,
          `${where}: unclear or unbounded: ${issue.message}`,
        );
      }
      if (kind === 'Canary' && refusedFiles.length < LOADED) refusedFiles.push(text);
      continue;
    }
    tally.accepted++;
    if (kind === 'Canary') {
      const canary = result.value as Canary;
      valid.push(canary);
      engineSurvives(canary, r, where);
    }
  }
  t.diagnostic(`read+validate+engine: ${JSON.stringify(tally)} in ${Date.now() - started} ms`);
  assert.ok(
    tally.refused > OBJECTS / 4 && tally.accepted > OBJECTS / 20,
    `both outcomes covered: ${JSON.stringify(tally)}`,
  );

  await simulateLoaderSurvives(refusedFiles);
  for (const canary of valid.slice(0, SIMULATED)) await simulationSurvives(canary);
  t.diagnostic(`${Math.min(valid.length, SIMULATED)} releases simulated; total ${Date.now() - started} ms`);
});

const PHASES = [
  '',
  'Initializing',
  'Initialized',
  'Waiting',
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
  'Succeeded',
  'Failed',
  'Terminating',
  'Bogus',
];

/** The engine with the canary and a random status: a decision or a question, never an exception. */
function engineSurvives(canary: Canary, r: () => number, where: string): void {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const input: StepInput = {
    name: 'app',
    namespace: 'fuzz',
    spec: canary.spec,
    status: {
      phase: pick(PHASES),
      canaryWeight: pick([0, 10, 50, 100, -5, 1000]),
      failedChecks: pick([0, 1, 99, -1]),
      iterations: pick([0, 3, -2]),
      lastAppliedSpec: pick(['a', 'b', '']),
    } as Canary['status'],
    observation: {
      revision: { spec: pick(['a', 'b']) },
      primary: { ready: r() < 0.7, retriable: true, reason: 'not ready' },
      canary: { ready: r() < 0.7, retriable: r() < 0.5, reason: 'not ready' },
      routes: { primary: pick([100, 50, 0]), canary: pick([0, 50, 100]) },
      answers: {},
    } as unknown as StepInput['observation'],
    now: Date.parse('2026-01-01T00:00:00Z'),
    routing: {
      provider: 'appmesh:v1beta2',
      weights: true,
      headerMatch: true,
      mirroring: false,
      sessionAffinity: false,
    },
  };
  const result = (() => {
    try {
      return step(input);
    } catch (err) {
      assert.fail(`${where}: the engine threw with status ${JSON.stringify(input.status)}: ${String(err)}`);
    }
  })();
  assert.ok(
    result.kind === 'decision' || result.kind === 'need',
    `${where}: the engine answered ${String(result.kind)}`,
  );
}

/** `serin simulate`'s file loader on refused Canaries: an InputError naming the file, nothing else. */
async function simulateLoaderSurvives(files: readonly string[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'serin-fuzz-'));
  try {
    for (const [i, text] of files.entries()) {
      const file = join(dir, `canary-${i}.yaml`);
      await writeFile(file, text);
      const loaded = await loadManifests([file]).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(loaded instanceof InputError, `seed ${SEED}, file ${i} (${text.slice(0, 300)}): ${String(loaded)}`);
      assert.ok(loaded.message.startsWith(`${file}: `), `the problem names the file: ${loaded.message}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A short simulated release of a valid (if odd) canary ends without an exception. */
async function simulationSurvives(canary: Canary): Promise<void> {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: canary.spec.targetRef.name, namespace: 'fuzz' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'app' } },
      template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    },
  };
  const scenario = {
    apiVersion: 'serin.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'fuzz' },
    duration: '15m',
    versions: [{ name: 'new', when: { image: 'app:2' } }, { name: 'old' }],
    steps: [{ at: '1m', setImage: { deployment: canary.spec.targetRef.name, image: 'app:2' } }],
  } as const;
  try {
    await simulate({ objects: [canary as never, deployment], scenario: scenario as never });
  } catch (err) {
    // An input the simulator refuses up front is an answer, as long as it says why in words.
    if (!(err instanceof InputError))
      assert.fail(`seed ${SEED}: simulating ${shown(canary as never)} threw ${String(err)}`);
  }
}
