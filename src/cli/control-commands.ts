import { Command } from 'commander';
import { COMMAND_ANNOTATION, PAUSED_ANNOTATION, type Canary, type CanaryCommand, type Phase } from '../api/index.js';
import { commandRefusal } from '../engine/index.js';
import { positiveDurationMs } from '../lib/duration.js';
import { KubeRest } from '../kube/rest.js';
import type { CliOutput } from './dev-cluster.js';

interface Target {
  readonly rest: KubeRest;
  readonly namespace: string;
  readonly path: string;
}

async function target(name: string, flags: { kubeconfig?: string; namespace?: string }): Promise<Target> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  const namespace = flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return {
    rest: new KubeRest(kc),
    namespace,
    path: `/apis/flagger.app/v1beta1/namespaces/${namespace}/canaries/${name}`,
  };
}

/**
 * Sets (or, with null, removes) an annotation on a Canary, with errors a person can act on. With
 * `resourceVersion`, only if the Canary has not changed since it was read (409 otherwise).
 */
async function annotate(
  t: Target,
  name: string,
  key: string,
  value: string | null,
  resourceVersion?: string,
): Promise<number> {
  const res = await t.rest.request(t.path, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { metadata: { ...(resourceVersion ? { resourceVersion } : {}), annotations: { [key]: value } } },
  });
  if (res.status === 409 && resourceVersion) return res.status;
  check(t, name, 'patch', res);
  return res.status;
}

async function readCanary(t: Target, name: string): Promise<Canary> {
  const res = await t.rest.request(t.path);
  check(t, name, 'get', res);
  return JSON.parse(res.body) as Canary;
}

function check(t: Target, name: string, verb: string, res: { status: number; body: string }): void {
  if (res.status === 404) throw new Error(`canary ${name} not found in namespace ${t.namespace}`);
  if (res.status === 403)
    throw new Error(
      `not allowed to ${verb} canaries in namespace ${t.namespace} (RBAC: needs ${verb} on canaries.flagger.app)`,
    );
  if (res.status < 200 || res.status > 299)
    throw new Error(`${verb} canary ${name}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
}

function control(
  name: string,
  description: string,
  run: (t: Target, canary: string, io: CliOutput) => Promise<void>,
  io: CliOutput,
): Command {
  return new Command(name)
    .description(description)
    .argument('<canary>', 'the Canary name')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('-n, --namespace <name>', "the Canary's namespace (default: the context's, else default)")
    .action(async (canary: string, flags: { kubeconfig?: string; namespace?: string }) =>
      run(await target(canary, flags), canary, io),
    );
}

/**
 * `serin pause` / `serin resume`: hold a release where it is (weights, phase) and let it go on. An
 * annotation, not `spec.suspend`, so a GitOps tool re-applying the user's manifest does not undo it;
 * `kubectl annotate canary NAME serin.dev/paused=true` does the same.
 */
export function pauseCommands(io: CliOutput): Command[] {
  return [
    control(
      'pause',
      'hold a canary where it is (weights and phase) until `serin resume`',
      async (t, canary) => {
        await annotate(t, canary, PAUSED_ANNOTATION, 'true');
        io.out(`canary ${t.namespace}/${canary} paused; it holds its traffic weights until \`serin resume ${canary}\``);
      },
      io,
    ),
    control(
      'resume',
      'let a paused canary go on',
      async (t, canary) => {
        await annotate(t, canary, PAUSED_ANNOTATION, null);
        io.out(`canary ${t.namespace}/${canary} resumed; the next analysis tick goes on`);
      },
      io,
    ),
  ];
}

interface EventItem {
  readonly type?: string;
  readonly message?: string;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly metadata?: { readonly creationTimestamp?: string };
}

const COMMANDS: Readonly<Record<CanaryCommand, { readonly description: string; readonly next: string }>> = {
  promote: {
    description: 'promote the canary now: skip the remaining analysis and copy it to the primary (it must be ready)',
    next: 'the primary is being updated',
  },
  abort: {
    description: 'roll the release back now: all traffic to the primary, the canary scaled to zero',
    next: 'traffic is back on the primary',
  },
  retry: {
    description:
      'analyse the current revision again under the current Canary spec (after a rollback or a threshold change); no pod restart',
    next: 'the analysis starts over at weight 0',
  },
};

/**
 * `serin promote|abort|retry`: writes the one-shot `serin.dev/command` annotation (what
 * `kubectl annotate canary NAME serin.dev/command=retry` does), refusing at once what cannot apply,
 * then waits for the operator to act and prints what it did.
 */
export function releaseCommands(io: CliOutput): Command[] {
  return (Object.keys(COMMANDS) as CanaryCommand[]).map((command) =>
    new Command(command)
      .description(COMMANDS[command].description)
      .argument('<canary>', 'the Canary name')
      .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
      .option('-n, --namespace <name>', "the Canary's namespace (default: the context's, else default)")
      .option('--timeout <duration>', 'how long to wait for the operator to act (e.g. 30s, 2m)', '30s')
      .option('--no-wait', 'record the request and return without waiting for the operator')
      .action(
        async (canary: string, flags: { kubeconfig?: string; namespace?: string; timeout: string; wait: boolean }) => {
          const timeoutMs = positiveDurationMs(flags.timeout);
          if (timeoutMs === undefined)
            throw new Error(`--timeout ${flags.timeout}: expected a duration such as 30s or 2m`);
          await request(await target(canary, flags), canary, command, flags.wait ? timeoutMs : 0, io);
        },
      ),
  );
}

async function request(t: Target, name: string, command: CanaryCommand, timeoutMs: number, io: CliOutput) {
  const id = `${t.namespace}/${name}`;
  for (let attempt = 0; ; attempt++) {
    const canary = await readCanary(t, name);
    const phase: Phase = canary.status?.phase ?? '';
    if (canary.spec?.suspend)
      throw new Error(`cannot ${command} canary ${id}: it is suspended (spec.suspend: true); unsuspend it first`);
    const refusal = commandRefusal(command, phase);
    if (refusal) throw new Error(`cannot ${command} canary ${id}: ${refusal}`);
    const pending = canary.metadata?.annotations?.[COMMAND_ANNOTATION];
    if (pending && pending !== command)
      throw new Error(
        `canary ${id} already has a pending ${COMMAND_ANNOTATION}=${pending}; wait for the operator to take it (or remove the annotation)`,
      );
    const status = await annotate(t, name, COMMAND_ANNOTATION, command, canary.metadata?.resourceVersion);
    if (status !== 409) break;
    if (attempt >= 2) throw new Error(`canary ${id} keeps changing; run \`serin ${command} ${name}\` again`);
  }
  const since = Date.now();
  if (timeoutMs === 0) {
    io.out(`canary ${id}: ${command} requested (${COMMAND_ANNOTATION}=${command}); the operator acts on it at once`);
    return;
  }
  io.out(`canary ${id}: ${command} requested; waiting for the operator…`);
  const deadline = since + timeoutMs;
  for (;;) {
    const canary = await readCanary(t, name);
    if (canary.metadata?.annotations?.[COMMAND_ANNOTATION] !== command) break;
    if (Date.now() >= deadline) {
      const blocked = canary.status?.conditions?.find((c) => c.type === 'Reconciled' && c.status === 'False');
      const why = blocked
        ? `Serin cannot work with the canary right now: ${blocked.message ?? blocked.reason}`
        : `no Serin operator acted on it within ${Math.round(timeoutMs / 1000)}s; is the operator running and watching namespace ${t.namespace}?`;
      throw new Error(
        `the request is recorded on canary ${id} (${COMMAND_ANNOTATION}=${command}) but ${why}. It is carried out when the operator gets to it`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const outcome = await commandEvent(t, name, command, since);
  if (outcome?.message?.startsWith(`Ignoring ${COMMAND_ANNOTATION}=`)) throw new Error(outcome.message);
  io.out(`canary ${id}: ${outcome?.message ?? `${command} done`}`);
  io.out(`${COMMANDS[command].next}; follow it with \`serin status ${name} -n ${t.namespace} --watch\``);
}

/** The operator's newest event about this command on the canary (its answer to the request). */
async function commandEvent(
  t: Target,
  name: string,
  command: CanaryCommand,
  since: number,
): Promise<EventItem | undefined> {
  const selector = encodeURIComponent(`involvedObject.kind=Canary,involvedObject.name=${name}`);
  const res = await t.rest.request(`/api/v1/namespaces/${t.namespace}/events?fieldSelector=${selector}`);
  if (res.status !== 200) return undefined;
  const at = (e: EventItem) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '') || 0;
  // Event times have whole seconds and the server's clock: allow for both.
  return (JSON.parse(res.body) as { items: EventItem[] }).items
    .filter((e) => e.message?.includes(`${COMMAND_ANNOTATION}=${command}`) && at(e) >= since - 60_000)
    .sort((a, b) => at(b) - at(a))[0];
}
