/**
 * The `ServiceRouter` on a real cluster: creates and updates the `<apex>`, `<apex>-primary` and
 * `<apex>-canary` ClusterIP Services every provider needs (Flagger §5). Reads come from the
 * Cluster's Service cache; an unchanged desired state writes nothing, so a steady tick is free.
 */
import type { Canary } from '../api/index.js';
import { isKubeError, KubeErrorReason, type Cluster } from '../kube/cluster.js';
import { refOf, type ObjectRef } from '../kube/objects.js';
import { InPlace } from './in-place.js';
import type { Result } from '../lib/result.js';
import type { TargetMetadata } from '../targets/target.js';
import type { ServiceRouter } from './router.js';
import { canaryController, canaryId, canaryKey, serviceNames } from './canary-names.js';
import {
  SERVICE_GVK,
  desiredService,
  lastAppliedSelector,
  serviceUpdate,
  type ServiceObject,
  type ServiceRole,
} from './service-objects.js';
import { omitKeys } from '../kube/json-equal.js';
import { OK, withSignal, writeProblem } from './write-outcome.js';

/** What found a Service in place: its role's comparison. */
const CHECKS: Readonly<Record<ServiceRole, string>> = {
  apex: 'service:apex',
  primary: 'service:primary',
  canary: 'service:canary',
};

/** Ports of `KubernetesServices`. */
export interface KubernetesServicesDeps {
  /** Must cache `v1/Service` in the Canary's namespace. */
  readonly cluster: Cluster;
}

/** Creates, updates and (for `revertOnDeletion`) hands back the three Services of a Canary. */
export class KubernetesServices implements ServiceRouter {
  /** Services found in place, so a steady tick builds none. */
  private readonly inPlace = new InPlace();

  constructor(private readonly deps: KubernetesServicesDeps) {}

  async initialize(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<Result<void>> {
    // A Service in place answers at once, without a promise to wait for.
    const step = this.reconcileRole(canary, target, 'canary', signal);
    const canaryResult = step instanceof Promise ? await step : step;
    if (!canaryResult.ok) return canaryResult;
    return this.reconcileRole(canary, target, 'primary', signal);
  }

  async reconcileApex(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<Result<void>> {
    return this.reconcileRole(canary, target, 'apex', signal);
  }

  /**
   * Points a user-created apex Service back at the target's pods: the selector `kubectl apply`
   * recorded when there is one, else `{<labelKey>: <labelValue>}`. Services a Canary controls are
   * left to the garbage collector.
   */
  async finalize(canary: Canary, target: TargetMetadata, signal?: AbortSignal): Promise<void> {
    const desired = desiredService(canary, target, 'apex', { [target.labelKey]: target.labelValue });
    const live = this.deps.cluster.get<ServiceObject>(refOf(desired));
    if (!live) return;
    if (canaryController(live)) {
      // Flagger leaves its own apex Service to garbage collection, so the app loses its Service
      // name when the Canary goes. Serin hands it over instead: no owner, selecting the target's pods.
      const handedOver: ServiceObject = {
        ...live,
        metadata: {
          ...live.metadata,
          ownerReferences: (live.metadata.ownerReferences ?? []).filter((o) => !o.controller),
        },
        spec: { ...live.spec, selector: { [target.labelKey]: target.labelValue } },
      };
      await this.deps.cluster.update(handedOver, withSignal(signal));
      return;
    }
    let recorded: ReturnType<typeof lastAppliedSelector>;
    try {
      recorded = lastAppliedSelector(live);
    } catch (err) {
      throw new Error(
        `router ${live.metadata.name}.${live.metadata.namespace} failed to unMarshal annotation kubectl.kubernetes.io/last-applied-configuration`,
        { cause: err },
      );
    }
    if (recorded === undefined) {
      const result = await this.reconcile(desired, canary, signal);
      if (!result.ok) throw new Error(`${result.problem.message} (${result.problem.fix})`);
      return;
    }
    const spec = omitKeys(live.spec, ['selector']);
    const restored: ServiceObject = {
      ...live,
      spec: recorded.selector ? { ...spec, selector: recorded.selector } : spec,
    };
    await this.deps.cluster.update(restored, withSignal(signal));
  }

  private reconcileRole(
    canary: Canary,
    target: TargetMetadata,
    role: ServiceRole,
    signal: AbortSignal | undefined,
  ): Result<void> | Promise<Result<void>> {
    if (!canary.spec.service?.port) {
      return {
        ok: false,
        problem: {
          message: `canary ${canaryKey(canary)}: spec.service.port is not set, so service ${serviceNames(canary)[role]} cannot be generated`,
          fix: 'set spec.service.port to the port the Services should expose',
        },
      };
    }
    const found = this.inPlace.for(canary, target);
    const check = CHECKS[role];
    const live = this.deps.cluster.get<ServiceObject>(serviceRef(canary, role));
    if (live && found.holds(check, live)) return OK;
    const desired = desiredService(canary, target, role);
    if (live && !serviceUpdate(live, desired, canary)) {
      found.remember(check, live);
      return OK;
    }
    return this.reconcile(desired, canary, signal);
  }

  private async reconcile(
    desired: ServiceObject,
    canary: Canary,
    signal: AbortSignal | undefined,
  ): Promise<Result<void>> {
    const { cluster } = this.deps;
    const id = `${desired.metadata.name}.${desired.metadata.namespace}`;
    const fix = 'check spec.service (port, portName, targetPort, appProtocol) of the Canary';
    const live = cluster.get<ServiceObject>(refOf(desired));
    if (!live) {
      try {
        await cluster.create(desired, withSignal(signal));
      } catch (err) {
        // The cache lags our own writes: the Service exists, and the next tick compares it.
        if (isKubeError(err, KubeErrorReason.AlreadyExists)) return OK;
        return writeProblem(err, `service ${id} create error`, fix);
      }
      return OK;
    }
    const next = serviceUpdate(live, desired, canary);
    if (!next) return OK;
    try {
      await cluster.update(next, withSignal(signal));
    } catch (err) {
      return writeProblem(err, `service ${id} update error`, fix);
    }
    return OK;
  }
}

/** Where {@link desiredService} puts the Service of `role`. */
function serviceRef(canary: Canary, role: ServiceRole): ObjectRef {
  return { ...SERVICE_GVK, namespace: canaryId(canary).namespace, name: serviceNames(canary)[role] };
}
