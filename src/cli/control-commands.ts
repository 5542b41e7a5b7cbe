import { Command } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { PAUSED_ANNOTATION } from '../api/index.js';
import { KubeRest } from '../kube/rest.js';
import type { CliOutput } from './dev-cluster.js';

interface Target {
  readonly rest: KubeRest;
  readonly namespace: string;
  readonly path: string;
}

function target(name: string, flags: { kubeconfig?: string; namespace?: string }): Target {
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

/** Sets (or, with null, removes) an annotation on a Canary, with errors a person can act on. */
async function annotate(t: Target, name: string, key: string, value: string | null): Promise<void> {
  const res = await t.rest.request(t.path, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { metadata: { annotations: { [key]: value } } },
  });
  if (res.status === 404) throw new Error(`canary ${name} not found in namespace ${t.namespace}`);
  if (res.status === 403)
    throw new Error(
      `not allowed to patch canaries in namespace ${t.namespace} (RBAC: needs patch on canaries.flagger.app)`,
    );
  if (res.status < 200 || res.status > 299)
    throw new Error(`patching canary ${name}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
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
      run(target(canary, flags), canary, io),
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
