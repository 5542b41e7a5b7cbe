/**
 * A hundred schema-valid but nonsensical Canaries applied next to a healthy release, as a careless
 * or hostile user would: the healthy canary must still be promoted, every bad one must carry a
 * `Reconciled=False` condition whose message names what is wrong, and the operator's memory must
 * stay bounded. The operator runs as its own process, so its RSS is its own.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { eventually, freshNamespace, testKubeConfig } from '../support/cluster.js';
import { appConfigMap, appDeployment, seedLikeCanary } from '../support/fixtures.js';
import { operatorProcess, waitForPhase } from '../support/operator.js';
import { apply, setImage } from '../support/user.js';

const kc = testKubeConfig();
const rest = new KubeRest(kc);
/** The operator's resident memory must stay under this while it holds 101 canaries. */
const RSS_LIMIT_MIB = 512;

/** One kind of nonsense: how to make it from a valid Canary, and what its condition must name. */
interface Nonsense {
  readonly what: string;
  readonly make: (spec: Record<string, unknown>, analysis: Record<string, unknown>) => void;
  readonly names: RegExp;
}

/** `stepWeights` in place of the fixture's `stepWeight` (the CRD takes one of them). */
function steps(analysis: Record<string, unknown>, weights: number[]): void {
  delete analysis.stepWeight;
  delete analysis.maxWeight;
  analysis.stepWeights = weights;
}

const NONSENSE: readonly Nonsense[] = [
  {
    what: 'a target that does not exist',
    make: (spec) => (spec.targetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nowhere' }),
    names: /deployment \S+\/nowhere not found/,
  },
  { what: 'a provider Serin does not route', make: (spec) => (spec.provider = 'istio'), names: /istio/ },
  { what: 'an interval of 27 days', make: (_, a) => (a.interval = '40000m'), names: /interval/ },
  { what: 'steps that never move', make: (_, a) => steps(a, [0, 0, 0]), names: /stepWeights/ },
  {
    what: 'a kind Serin does not release (a Knative Service)',
    make: (spec) => (spec.targetRef = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'good' }),
    names: /Service/,
  },
  { what: 'mirroring on App Mesh', make: (_, a) => (a.mirror = true), names: /analysis\.mirror/ },
  {
    what: 'Gateway API without gatewayRefs',
    make: (spec) => (spec.provider = 'gatewayapi:v1'),
    names: /GatewayRefs must be specified/,
  },
  {
    what: 'session affinity without a way to route by cookie',
    make: (spec, a) => {
      spec.provider = 'kubernetes';
      a.sessionAffinity = { cookieName: 'c' };
    },
    names: /analysis\.sessionAffinity/,
  },
  { what: 'a first step of 0', make: (_, a) => steps(a, [0, 50]), names: /stepWeights/ },
  {
    what: 'an autoscaler that does not exist',
    make: (spec) =>
      (spec.autoscalerRef = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'missing' }),
    names: /missing/,
  },
];

function nonsenseCanary(ns: string, index: number): { canary: KubeObject; kind: Nonsense } {
  const kind = NONSENSE[index % NONSENSE.length] as Nonsense;
  const canary = seedLikeCanary(ns, `bad${index}`, { hpa: false });
  const spec = canary.spec as Record<string, unknown>;
  spec.targetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'good' };
  kind.make(spec, spec.analysis as Record<string, unknown>);
  return { canary, kind };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

test('100 nonsensical Canaries: each is told what is wrong, the healthy release beside them is promoted, memory stays bounded', async (t) => {
  const ns = await freshNamespace(t, kc, 'nonsense');
  await apply(appDeployment(ns, 'good', { replicas: 1 }), appConfigMap(ns, 'good', { 'app.properties': 'v=1' }));
  await apply(seedLikeCanary(ns, 'good', { hpa: false }));
  const bad = Array.from({ length: 100 }, (_, i) => nonsenseCanary(ns, i));
  await apply(...bad.map((b) => b.canary));

  const { child } = operatorProcess(t, ns, 'nonsense');
  let peak = 0;
  const sampler = setInterval(() => {
    if (child.pid)
      void rssMiB(child.pid).then(
        (v) => (peak = Math.max(peak, v)),
        () => undefined,
      );
  }, 250);
  t.after(() => clearInterval(sampler));

  await waitForPhase(ns, 'good', 'Initialized', 90_000);
  await setImage(ns, 'good', 'registry.example.com/shop/good:2.0.0');
  await waitForPhase(ns, 'good', 'Succeeded', 120_000);

  type CanaryList = {
    items: {
      metadata: { name: string };
      status?: { conditions?: { type: string; status: string; message?: string }[] };
    }[];
  };
  const refusedOf = (c: CanaryList['items'][number]) =>
    c.status?.conditions?.find((x) => x.type === 'Reconciled' && x.status === 'False');
  const items = await eventually(
    'a Reconciled=False condition on every bad canary',
    async () => {
      const all = (await rest.json<CanaryList>(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`)).items;
      return all.filter((c) => refusedOf(c)).length === bad.length ? all : undefined;
    },
    60_000,
  );
  for (const { canary, kind } of bad) {
    const name = (canary.metadata as { name: string }).name;
    const found = items.find((c) => c.metadata.name === name);
    const condition = found ? refusedOf(found) : undefined;
    assert.match(condition?.message ?? '', kind.names, `${name} (${kind.what}) names what is wrong`);
  }
  clearInterval(sampler);
  t.diagnostic(`operator peak RSS ${peak.toFixed(0)} MiB with 101 canaries`);
  assert.ok(peak > 0, 'the RSS was sampled');
  assert.ok(peak < RSS_LIMIT_MIB, `operator RSS ${peak.toFixed(0)} MiB stays under ${RSS_LIMIT_MIB} MiB`);
});
