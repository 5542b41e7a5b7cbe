import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import { EventRecorder } from './event-recorder.js';

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'account', namespace: 'shop', uid: 'uid-1' },
} as unknown as Canary;
const EVENT = { apiVersion: 'v1', kind: 'Event' } as const;

/** The order the in-memory cluster created an object in (its uids count up). */
const createdAt = (obj: KubeObject) => Number(obj.metadata.uid?.replace('uid-', ''));

/** The Events in the cluster: message → count, in creation order. */
function events(cluster: MemoryCluster): [string, number][] {
  return cluster
    .list<KubeObject & { message: string; count: number }>(EVENT, 'shop')
    .sort((a, b) => createdAt(a) - createdAt(b))
    .map((e) => [e.message, e.count]);
}

/**
 * What Serin did before the recorder kept its keys in a ring: a Map of remembered keys whose
 * first key is forgotten when `max` are remembered. The ring must forget the same keys.
 */
function mapModel(max: number, messages: readonly string[], failing: ReadonlySet<number>): [string, number][] {
  const recent = new Map<string, number>();
  const out: [string, number][] = [];
  messages.forEach((message, i) => {
    const index = recent.get(message);
    if (index !== undefined) {
      out[index]![1]++;
      return;
    }
    if (failing.has(i)) return; // the create failed: nothing remembered, nothing created
    if (recent.size >= max) recent.delete(recent.keys().next().value!);
    recent.set(message, out.push([message, 1]) - 1);
  });
  return out;
}

describe('EventRecorder', () => {
  test('a repeat bumps the count; the oldest remembered event is forgotten first, so its repeat is a new Event', async () => {
    const cluster = new MemoryCluster({ now: () => 0 });
    const recorder = new EventRecorder(
      { cluster, clock: { now: () => 0, setTimer: () => ({ cancel() {} }) } },
      () => {
        throw new Error('no failure expected');
      },
      2,
    );
    for (const message of ['a', 'b', 'a', 'c', 'a', 'b', 'c']) {
      await recorder.record(canary, { type: 'Normal', reason: 'Synced', message });
    }
    assert.deepEqual(events(cluster), [
      ['a', 2],
      ['b', 1],
      ['c', 1],
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
  });

  test('forgets exactly what a Map of remembered keys forgot, failed creates included (400 random events)', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const messages = Array.from({ length: 400 }, () => `m${Math.floor(random() * 12)}`);
    const failing = new Set(messages.flatMap((_, i) => (random() < 0.1 ? [i] : [])));
    const cluster = new MemoryCluster({ now: () => 0 });
    let index = 0;
    const failingCluster = new Proxy(cluster, {
      get(target, key): unknown {
        if (key === 'create' && failing.has(index)) return () => Promise.reject(new Error('create failed'));
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const errors: unknown[] = [];
    const clock = { now: () => 0, setTimer: () => ({ cancel() {} }) };
    const recorder = new EventRecorder({ cluster: failingCluster, clock }, (err) => errors.push(err), 5);
    for (; index < messages.length; index++) {
      await recorder.record(canary, { type: 'Normal', reason: 'Synced', message: messages[index]! });
    }
    assert.deepEqual(events(cluster), mapModel(5, messages, failing));
    assert.ok(errors.length > 0, 'some creates failed');
  });
});
