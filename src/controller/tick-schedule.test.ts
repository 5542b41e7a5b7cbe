import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { Canary } from '../api/index.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import { TargetRegistry } from '../targets/registry.js';
import type { Clock } from './clock.js';
import { CanaryController } from './controller.js';
import type { Reconciler } from './reconciler.js';

/** A clock the test moves: timers fire one at a time, in time order, when `fireNext` says so. */
class ManualClock implements Clock {
  current = 0;
  private timers: { at: number; fn: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.current + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  fireNext(): void {
    this.timers = this.timers.filter((t) => !t.cancelled).sort((a, b) => a.at - b.at);
    const next = this.timers.shift();
    if (!next) throw new Error('no timer set');
    this.current = Math.max(this.current, next.at);
    next.fn();
  }
}

const MINUTE = 60_000;

test('analysis ticks keep a fixed rate: a reconcile that takes 5 s does not push every later step back', async () => {
  const clock = new ManualClock();
  const cluster = new MemoryCluster({ now: () => clock.now() });
  const canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, analysis: { interval: '1m' } },
  };
  await cluster.create(canary);
  const ticks: number[] = [];
  const reconciler = {
    reconcile: (_ns: string, _name: string, trigger: string) => {
      if (trigger === 'tick') {
        ticks.push(clock.now());
        clock.current += 5_000; // metric queries, weight and status writes
      }
      return Promise.resolve({ stepped: true, phase: 'Progressing' });
    },
  } as unknown as Reconciler;
  const controller = new CanaryController(
    {
      cluster,
      reconciler,
      targets: new TargetRegistry().bind(cluster, {}),
      clock,
      log: pino({ enabled: false }),
    },
    { intervalMs: (_c: Canary) => MINUTE, ownedKinds: [] },
  );
  controller.start();
  for (let i = 0; i < 5; i++) {
    clock.fireNext();
    await controller.idle();
  }
  controller.stop();
  assert.deepEqual(ticks, [0, MINUTE, 2 * MINUTE, 3 * MINUTE, 4 * MINUTE]);
});

test('after a stall of three intervals one tick runs at once and the rate resumes from it: no burst of missed ticks', async () => {
  const clock = new ManualClock();
  const cluster = new MemoryCluster({ now: () => clock.now() });
  await cluster.create({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' } },
  });
  const ticks: number[] = [];
  const reconciler = {
    reconcile: (_ns: string, _name: string, trigger: string) => {
      if (trigger === 'tick') {
        ticks.push(clock.now());
        if (ticks.length === 2) clock.current += 3 * MINUTE; // one tick stalls for three intervals
      }
      return Promise.resolve({ stepped: true });
    },
  } as unknown as Reconciler;
  const controller = new CanaryController(
    { cluster, reconciler, targets: new TargetRegistry().bind(cluster, {}), clock, log: pino({ enabled: false }) },
    { intervalMs: () => MINUTE, ownedKinds: [] },
  );
  controller.start();
  for (let i = 0; i < 4; i++) {
    clock.fireNext();
    await controller.idle();
  }
  controller.stop();
  assert.deepEqual(ticks, [0, MINUTE, 4 * MINUTE, 5 * MINUTE]);
});

test('each tick is reported with how late it started: one that waited for the only worker is 2 s late', async () => {
  const clock = new ManualClock();
  const cluster = new MemoryCluster({ now: () => clock.now() });
  for (const name of ['cart', 'podinfo']) {
    await cluster.create({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name, namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name } },
    });
  }
  const reconciler = {
    reconcile: () => {
      clock.current += 2_000; // a slow status write
      return Promise.resolve({ stepped: true });
    },
  } as unknown as Reconciler;
  const started: [string, string, number | undefined][] = [];
  const controller = new CanaryController(
    {
      cluster,
      reconciler,
      targets: new TargetRegistry().bind(cluster, {}),
      clock,
      log: pino({ enabled: false }),
      onReconcile: (key, trigger, lateMs) => {
        started.push([key, trigger, lateMs]);
        return () => undefined;
      },
    },
    { intervalMs: () => MINUTE, ownedKinds: [], concurrency: 1 },
  );
  controller.start();
  clock.fireNext();
  clock.fireNext();
  await controller.idle();
  controller.stop();
  assert.deepEqual(started, [
    ['shop/cart', 'tick', 0],
    ['shop/podinfo', 'tick', 2_000],
  ]);
});
