import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cluster } from '../../src/kube/cluster.js';
import {
  DEFAULT_BEHAVIOUR,
  checkBehaviour,
  fromAnnotation,
  parseBurst,
  parseLatency,
  parseProperties,
  sampleLatencyMs,
} from './behaviour.js';
import type { SimPod } from './routing.js';
import { seededRandom } from './seeded-random.js';

// fromAnnotation never touches the cluster; fromConfigMap is tested on the real one (sim-traffic).
const noCluster = {} as Cluster;

function pod(annotations: Record<string, string>): SimPod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'account-abc-x1', namespace: 'shop', annotations } };
}

describe('pod behaviours', () => {
  test('properties text: key=value and key: value lines, comments and blanks skipped, first separator wins', () => {
    const props = parseProperties(
      '# sim\nserver.port=8180\n\n! old\nerrorRate = 0.005\nlatencyMs: 100..620\nurl=a=b\n',
    );
    assert.deepEqual(Object.fromEntries(props), {
      'server.port': '8180',
      errorRate: '0.005',
      latencyMs: '100..620',
      url: 'a=b',
    });
  });

  test('latency text: a constant, a uniform range, a log-normal median~p99; anything else is refused', () => {
    assert.equal(parseLatency('620', 'x'), 620);
    assert.deepEqual(parseLatency('100..620', 'x'), { minMs: 100, maxMs: 620 });
    assert.deepEqual(parseLatency(' 80~620 ', 'x'), { medianMs: 80, p99Ms: 620 });
    for (const bad of ['', 'fast', '-1', '1..', '1..2..3', '5~x']) {
      assert.throws(() => parseLatency(bad, 'pod shop/a'), /^Error: pod shop\/a: latency ".*" is not ms like/);
    }
  });

  test('fromAnnotation reads sim.serin.dev/error-rate, latency-ms and error-status; missing ones fall back', () => {
    const behaviour = fromAnnotation();
    assert.deepEqual(
      behaviour(
        pod({
          'sim.serin.dev/error-rate': '0.005',
          'sim.serin.dev/latency-ms': '620',
          'sim.serin.dev/error-status': '503',
        }),
        noCluster,
      ),
      { errorRate: 0.005, latencyMs: 620, errorStatus: 503 },
    );
    assert.deepEqual(behaviour(pod({}), noCluster), DEFAULT_BEHAVIOUR);
    assert.deepEqual(fromAnnotation('test.example')(pod({ 'test.example/latency-ms': '5' }), noCluster), {
      errorRate: 0,
      latencyMs: 5,
    });
  });

  test('a malformed annotation throws, naming the pod and quoting the value', () => {
    assert.throws(
      () => fromAnnotation()(pod({ 'sim.serin.dev/error-rate': '5%' }), noCluster),
      /pod shop\/account-abc-x1: annotations sim\.serin\.dev\/\*: errorRate NaN is not in 0\.\.1/,
    );
    assert.throws(() => fromAnnotation()(pod({ 'sim.serin.dev/error-rate': '' }), noCluster), /errorRate NaN/);
    assert.throws(() => checkBehaviour({ errorRate: 1.5, latencyMs: 1 }, 'p'), /errorRate 1\.5 is not in 0\.\.1/);
    assert.throws(() => checkBehaviour({ errorRate: 0, latencyMs: 1, errorStatus: 700 }, 'p'), /errorStatus 700/);
    assert.throws(
      () => checkBehaviour({ errorRate: 0, latencyMs: { minMs: 9, maxMs: 1 } }, 'p'),
      /upper bound below its lower one/,
    );
  });

  test('latency samples stay inside a uniform range, and a log-normal hits its median and P99', () => {
    const random = seededRandom(11);
    const uniform = Array.from({ length: 1000 }, () => sampleLatencyMs({ minMs: 100, maxMs: 620 }, random));
    assert.ok(uniform.every((ms) => ms >= 100 && ms <= 620));
    const logNormal = Array.from({ length: 20_000 }, () => sampleLatencyMs({ medianMs: 80, p99Ms: 620 }, random)).sort(
      (a, b) => a - b,
    );
    const quantile = (q: number): number => logNormal[Math.floor(q * logNormal.length)]!;
    assert.ok(Math.abs(quantile(0.5) / 80 - 1) < 0.05, `median ${quantile(0.5)}`);
    assert.ok(Math.abs(quantile(0.99) / 620 - 1) < 0.1, `p99 ${quantile(0.99)}`);
    assert.equal(sampleLatencyMs(620, random), 620);
  });

  test('burst text: <probability>x<errorRate>, optionally shared; anything else is refused with an example', () => {
    assert.deepEqual(parseBurst('0.048x0.125', 'x'), { probability: 0.048, errorRate: 0.125 });
    assert.deepEqual(parseBurst(' 0.01 x 1 shared ', 'x'), { probability: 0.01, errorRate: 1, shared: true });
    for (const bad of ['', '0.01', '0.01x', '2x0.5', '0.1x1.5', '0.1x0.5 everywhere', '1%x50%']) {
      assert.throws(
        () => parseBurst(bad, 'pod shop/a'),
        /^Error: pod shop\/a: burst ".*" is not <probability>x<errorRate>\[ shared\] with both in 0\.\.1, like 0\.01x0\.5/,
      );
    }
  });

  test('fromAnnotation reads sim.serin.dev/error-burst beside the error rate; a bad one names the pod', () => {
    assert.deepEqual(
      fromAnnotation()(
        pod({ 'sim.serin.dev/error-rate': '0.001', 'sim.serin.dev/error-burst': '0.05x0.2 shared' }),
        noCluster,
      ),
      { errorRate: 0.001, latencyMs: 10, burst: { probability: 0.05, errorRate: 0.2, shared: true } },
    );
    assert.throws(
      () => fromAnnotation()(pod({ 'sim.serin.dev/error-burst': 'often' }), noCluster),
      /pod shop\/account-abc-x1: annotations sim\.serin\.dev\/\*: burst "often"/,
    );
    assert.throws(
      () => checkBehaviour({ errorRate: 0, latencyMs: 1, burst: { probability: 0.1, errorRate: 3 } }, 'p'),
      /p: burst .* must have probability and errorRate in 0\.\.1/,
    );
  });
});
