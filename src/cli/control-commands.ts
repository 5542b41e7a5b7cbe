import { Command } from 'commander';
import { COMMAND_ANNOTATION, type CanaryCommand } from '../api/index.js';
import {
  commandRequested,
  readCanary,
  requestCommand,
  setPaused,
  type CanaryTarget,
} from '../control/canary-actions.js';
import { positiveDurationMs } from '../lib/duration.js';
import { KubeRest } from '../kube/rest.js';
import type { CliOutput } from './dev-cluster.js';

type Target = CanaryTarget;

async function target(name: string, flags: { kubeconfig?: string; namespace?: string }): Promise<Target> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  const namespace = flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { rest: new KubeRest(kc), namespace, name };
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
      async (t) => io.out(await setPaused(t, true)),
      io,
    ),
    control('resume', 'let a paused canary go on', async (t) => io.out(await setPaused(t, false)), io),
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
  await requestCommand(t, command);
  const since = Date.now();
  if (timeoutMs === 0) {
    io.out(commandRequested(t, command));
    return;
  }
  io.out(`canary ${id}: ${command} requested; waiting for the operator…`);
  const deadline = since + timeoutMs;
  for (;;) {
    const canary = await readCanary(t);
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
