/**
 * `spec.analysis.judge` and `status.judge` in Serin's Canary CRD, on the real kube-apiserver: a
 * Canary with a judge is stored as written, the judge's evidence and its state blob survive a status
 * write (nothing pruned), a Canary without a judge stays exactly as it was, and the schema's own
 * rules (enums, the duration pattern) are enforced at apply time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { createValidators, formatIssues, judgeStatusOf } from '../../src/api/index.js';
import { judgeWindow, resolveJudgeConfig, startJudge } from '../../src/judge/index.js';
import { apiErrorMessage } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { freshNamespace, startApiCluster, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const CANARY = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' } as const;

const JUDGE = parse(`
falseRollbackRate: 0.01
maxStepDuration: 45m
onInconclusive: hold
compare:
  - {name: error-ratio, failAbove: 1.2, passBelow: 3}
  - {name: latency-tail, quantile: 0.99}
trafficSplit: {tolerance: 0.4}
source:
  templates:
    requests: {name: judge-requests}
    errors: {name: judge-errors}
    latency: {name: judge-latency}
    podLabel: pod
`) as Record<string, unknown>;

function canary(namespace: string, name: string, judge?: unknown): KubeObject {
  return {
    ...CANARY,
    metadata: { name, namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 2, stepWeights: [10, 25, 50], ...(judge ? { judge } : {}) },
    },
  };
}

describe('the judge’s fields on the real API server', () => {
  test('a Canary with a judge is stored as written, and its evidence and state survive a status write', async (t) => {
    const ns = await freshNamespace(t, kc, 'judge-crd');
    const cluster = await startApiCluster(t, [CANARY], ns);
    const created = await cluster.create<KubeObject>(canary(ns, 'podinfo', JUDGE));
    assert.deepEqual((created.spec as { analysis: { judge: unknown } }).analysis.judge, JUDGE, 'nothing pruned');

    const config = resolveJudgeConfig({ compare: [{ name: 'error-ratio' }] });
    assert.ok(config.ok);
    const outcome = judgeWindow(config.value, startJudge(config.value, {}), {
      seconds: 60,
      canaryWeight: 10,
      errors: {
        kind: 'counts',
        counts: { canary: { requests: 600, events: 8 }, primary: { requests: 5400, events: 5 } },
      },
    });
    const judge = judgeStatusOf(outcome, '2026-01-01T00:01:00Z');
    const written = await cluster.updateStatus({ ...created, status: { phase: 'Progressing', judge } });
    assert.deepEqual(written.status, JSON.parse(JSON.stringify({ phase: 'Progressing', judge })));
    const validated = createValidators().canary(written);
    assert.ok(validated.ok, validated.ok ? '' : formatIssues(validated.issues));
    assert.equal(validated.value.status?.judge?.verdict, 'FAIL');
  });

  test('a Canary without a judge reads back exactly as written', async (t) => {
    const ns = await freshNamespace(t, kc, 'judge-crd');
    const cluster = await startApiCluster(t, [CANARY], ns);
    const plain = canary(ns, 'plain');
    const created = await cluster.create<KubeObject>(plain);
    assert.deepEqual(created.spec, plain.spec);
  });

  test('the API server refuses an unknown onInconclusive, an unknown signal and a duration that is not one', async (t) => {
    const ns = await freshNamespace(t, kc, 'judge-crd');
    const cluster = await startApiCluster(t, [CANARY], ns);
    const refusal = async (judge: unknown): Promise<string> => {
      try {
        await cluster.create<KubeObject>(canary(ns, 'bad', judge));
      } catch (err) {
        return apiErrorMessage(err);
      }
      return assert.fail('the API server accepted the Canary');
    };
    assert.match(
      await refusal({ onInconclusive: 'retry' }),
      /spec\.analysis\.judge\.onInconclusive: Unsupported value: "retry"/,
    );
    assert.match(
      await refusal({ compare: [{ name: 'p99' }] }),
      /spec\.analysis\.judge\.compare\[0\]\.name: Unsupported value: "p99"/,
    );
    assert.match(
      await refusal({ maxStepDuration: '30 minutes' }),
      /spec\.analysis\.judge\.maxStepDuration: Invalid value: "30 minutes"/,
    );
  });
});
