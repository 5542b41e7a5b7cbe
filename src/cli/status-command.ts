import { Command } from 'commander';
import type { Canary } from '../api/index.js';
import { CANARY_GVK } from '../controller/controller.js';
import { ApiCluster } from '../kube/api-cluster.js';
import type { CliOutput } from './dev-cluster.js';
import { renderStatus, statusRows, type EventView } from './status-view.js';

const EVENT_GVK = { apiVersion: 'v1', kind: 'Event' } as const;

/** `serin status [name] [--watch]`: where every release stands, from the cluster (with `status.judge` when set). */
export function statusCommand(io: CliOutput, write: (text: string) => void): Command {
  return new Command('status')
    .description(
      'show the canaries: phase, traffic weight, failed checks, last event, and the statistical judge’s verdict and ' +
        'evidence when spec.analysis.judge is set (--watch redraws as they change)',
    )
    .argument('[name]', 'only this canary')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('-n, --namespace <name>', 'only this namespace (default: all)')
    .option('-w, --watch', 'keep watching and redraw in place')
    .action(async (name: string | undefined, flags: { kubeconfig?: string; namespace?: string; watch?: boolean }) => {
      // Loaded here, not at the top: the operator's process never needs it (src/kube/kube-access.ts).
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
      else kc.loadFromDefault();
      const cluster = new ApiCluster(kc, { kinds: [CANARY_GVK, EVENT_GVK], namespace: flags.namespace });
      try {
        await cluster.start();
      } catch (err) {
        throw new Error(
          `cannot read canaries: ${err instanceof Error ? err.message : String(err)} (is the kubeconfig right, and are Serin's CRDs installed?)`,
        );
      }
      const render = (): string => {
        const canaries = cluster
          .list<Canary>(CANARY_GVK, flags.namespace)
          .filter((c) => !name || c.metadata?.name === name);
        if (name && canaries.length === 0)
          throw new Error(`canary ${name} not found${flags.namespace ? ` in namespace ${flags.namespace}` : ''}`);
        const events = cluster
          .list<EventView>(EVENT_GVK, flags.namespace)
          .filter((e) => (e as { involvedObject: { kind?: string } }).involvedObject.kind === 'Canary');
        return renderStatus(statusRows(canaries, events), process.stdout.columns || 160);
      };
      if (!flags.watch) {
        try {
          io.out(render());
        } finally {
          cluster.stop();
        }
        return;
      }
      let pending: NodeJS.Timeout | undefined;
      const redraw = () => {
        pending = undefined;
        // Clear the screen and home the cursor, then draw: the table updates in place.
        write(`\x1b[2J\x1b[H${new Date().toISOString()}  serin status --watch (Ctrl-C to stop)\n\n${render()}\n`);
      };
      const schedule = () => (pending ??= setTimeout(redraw, 150));
      cluster.subscribe(CANARY_GVK, schedule);
      cluster.subscribe(EVENT_GVK, schedule);
      redraw();
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      cluster.stop();
    });
}
