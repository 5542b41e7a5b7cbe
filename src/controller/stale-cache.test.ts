/**
 * Issue #10: a promotion is never decided from a cache that lags the API server. The cluster below
 * stands for the operator's caches after an API server restart, before the watches have listed
 * again: the Deployment cache keeps showing the revision the user has just replaced, while a read
 * from the server (`read`) sees the truth and refreshes the cache, as ApiCluster's does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canary } from '../api/index.js';
import type { MergePatch, WatchEvent } from '../kube/cluster.js';
import { objectKey, type Gvk, type KubeObject, type ObjectRef } from '../kube/objects.js';
import { MemoryCluster } from '../sim/memory-cluster.js';
import type { Scenario } from '../sim/scenario.js';
import { SimWorld } from '../sim/world.js';
import { accountCanary, accountDeployment } from './account.test-support.js';

const TARGET: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'account' };
const CANARY: ObjectRef = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', namespace: 'shop', name: 'account' };

/**
 * The target Deployment as a lagging cache shows it: from `freeze()` on, with the pod template it
 * had then, until it is read from the server. Only the template lags, the field a promotion copies;
 * the workload controllers of the simulator read and write the rest of it as the live object.
 */
class LaggingDeploymentCache extends MemoryCluster {
  private frozenTemplate: unknown;
  private storing = false;
  /** Every image the primary was given, in order. */
  readonly primaryImages: string[] = [];

  freeze(): void {
    this.frozenTemplate = (super.get<KubeObject>(TARGET)?.spec as { template?: unknown }).template;
  }

  override get<T = KubeObject>(ref: ObjectRef): T | undefined {
    const live = super.get<KubeObject>(ref);
    if (
      this.storing ||
      this.frozenTemplate === undefined ||
      !live ||
      key(live) !== objectKey(TARGET.namespace, TARGET.name) ||
      ref.kind !== 'Deployment'
    )
      return live as T | undefined;
    return { ...live, spec: { ...(live.spec as object), template: this.frozenTemplate } } as T;
  }

  override patch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: MergePatch): Promise<T> {
    return this.asStore(() => super.patch<T>(ref, patch));
  }

  override updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    return this.asStore(() => super.updateStatus(obj));
  }

  override update<T extends KubeObject>(obj: T): Promise<T> {
    return this.asStore(() => super.update(obj));
  }

  /** A write checks and builds on the stored object, not on what the lagging cache shows. */
  private asStore<T>(write: () => Promise<T>): Promise<T> {
    this.storing = true;
    try {
      return write(); // the store reads the object synchronously, before its promise is returned
    } finally {
      this.storing = false;
    }
  }

  override read<T = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    if (ref.kind === 'Deployment' && ref.name === TARGET.name) this.frozenTemplate = undefined; // a read refreshes the cache
    return Promise.resolve(super.get<T>(ref));
  }

  override subscribe(gvk: Gvk, handler: (event: WatchEvent) => void): () => void {
    return super.subscribe(gvk, (event) => {
      const name = event.object.metadata.name ?? '';
      if (gvk.kind === 'Deployment' && name === 'account-primary' && event.type !== 'deleted') {
        this.primaryImages.push(image(event.object));
      }
      handler(event);
    });
  }
}

function key(o: KubeObject): string {
  return objectKey(o.metadata.namespace, o.metadata.name ?? '');
}

function image(deployment: KubeObject): string {
  const spec = deployment.spec as { template?: { spec?: { containers?: { image?: string }[] } } };
  return spec.template?.spec?.containers?.[0]?.image ?? '';
}

test('an image replaced while the Deployment cache lags is released; the replaced one is never promoted', async () => {
  const scenario: Scenario = {
    apiVersion: 'serin.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'stale-cache' },
    versions: [{ name: 'healthy' }],
  };
  let cluster: LaggingDeploymentCache | undefined;
  const world = new SimWorld({
    scenario,
    defaultProvider: 'appmesh:v1beta2',
    startTime: Date.parse('2026-01-01T00:00:00Z'),
    cluster: (now) => (cluster = new LaggingDeploymentCache({ now })),
  });
  const setImage = (tag: string) =>
    world.cluster.patch(TARGET, { spec: { template: { spec: { containers: [{ name: 'app', image: tag }] } } } });
  await world.start([accountCanary(), accountDeployment('account:1.0.0')]);
  await world.run(world.clock.now() + 2 * 60_000, () => false);
  // Given a release of 1.1.0 half way through its analysis
  await setImage('account:1.1.0');
  await world.run(world.clock.now() + 3 * 60_000, () => false);
  assert.equal(world.cluster.get<Canary>(CANARY)?.status?.phase, 'Progressing');

  // When the Deployment cache stops following the server and the user replaces the image
  cluster?.freeze();
  await setImage('account:1.2.0');
  await world.run(
    world.clock.now() + 20 * 60_000,
    () => world.cluster.get<Canary>(CANARY)?.status?.phase === 'Succeeded',
  );
  world.stop();

  // Then the analysis restarts for 1.2.0 and only 1.2.0 reaches the primary
  const messages = world.cluster
    .list<KubeObject & { message?: string }>({ apiVersion: 'v1', kind: 'Event' }, 'shop')
    .map((e) => e.message ?? '');
  assert.ok(
    messages.some((m) => m.startsWith('New revision detected! Restarting analysis')),
    messages.join('\n'),
  );
  assert.equal(world.cluster.get<Canary>(CANARY)?.status?.phase, 'Succeeded', messages.join('\n'));
  assert.deepEqual([...new Set(cluster?.primaryImages)], ['account:1.0.0', 'account:1.2.0']);
});
