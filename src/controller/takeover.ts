/**
 * The first reconcile of a canary whose status Go Flagger wrote (docs/switching.md): when the
 * target still runs the revision Flagger recorded, its hash is replaced by Serin's in the status
 * (one status write, one event) and the canary goes on from the phase and weight Flagger left —
 * no "New revision detected", no write to any workload. When it does not, the event says why and
 * the engine analyses the template as the new revision it is.
 */
import type { Canary } from '../api/index.js';
import { messages } from '../engine/index.js';
import type { Revision, WorkloadTarget } from '../targets/target.js';
import type { StatusWriter } from './status-writer.js';

/** The canary to go on with: its status rewritten to Serin's revision hash when the takeover holds. */
export async function takeOverRecordedRevision(
  canary: Canary,
  revision: Revision,
  target: WorkloadTarget,
  writer: StatusWriter,
  signal?: AbortSignal,
): Promise<Canary> {
  const found = target.recordedRevision(canary);
  if (found === undefined) return canary;
  const name = canary.metadata?.name ?? '';
  const ns = canary.metadata?.namespace ?? '';
  if (!found.adopt) {
    await writer.event(canary, 'Normal', messages.foreignRevisionChanged(name, ns, found.recorded, found.reason));
    return canary;
  }
  const status = {
    ...canary.status,
    lastAppliedSpec: revision.spec,
    ...(canary.status?.lastPromotedSpec === found.recorded ? { lastPromotedSpec: revision.spec } : {}),
  };
  await writer.write(canary, status, signal);
  await writer.event(
    canary,
    'Normal',
    messages.tookOverRevision(name, ns, found.recorded, revision.spec, found.reason),
  );
  return { ...canary, status };
}
