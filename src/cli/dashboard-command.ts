import { Command } from 'commander';
import { destination, pino } from 'pino';
import { loadAssets, pageShell } from '../dashboard/assets.js';
import { startDashboard } from '../dashboard/dashboard.js';
import { parseDashboardFlags, type DashboardFlags } from '../dashboard/settings.js';
import type { CliOutput } from './dev-cluster.js';
import { UsageError } from './usage-error.js';

/**
 * `serin dashboard`: the web UI. Local mode (default): the user's kubeconfig, 127.0.0.1 only, a
 * one-time token in the URL it prints. `--auth kubernetes`: for its own Deployment; every viewer
 * authenticated by the API server and every action authorized and written as that viewer.
 */
export function dashboardCommand(io: CliOutput): Command {
  return new Command('dashboard')
    .description(
      'serve the web dashboard: the fleet, each release live, and actions (local: your kubeconfig on 127.0.0.1 ' +
        'with a one-time link; --auth kubernetes: in-cluster, every viewer signs in with a Kubernetes token)',
    )
    .option('--auth <mode>', '"local" (your kubeconfig, this machine only) or "kubernetes" (in-cluster)', 'local')
    .option('--address <ip>', 'address to listen on (local mode: 127.0.0.1 only; kubernetes: default 0.0.0.0)')
    .option('--port <port>', 'port to listen on (0: any free port)', '7700')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else in-cluster)')
    .option('-n, --namespace <name>', 'show only this namespace (default: all namespaces)')
    .option('--auth-proxy-header <name>', 'kubernetes mode: trust this header (e.g. X-Forwarded-User) for the user')
    .option('--auth-proxy-groups-header <name>', "kubernetes mode: the proxy's header with the user's groups")
    .option('--log-level <level>', 'log level: debug, info, warn or error', 'info')
    .action(async (flags: DashboardFlags) => {
      const parsed = parseDashboardFlags(flags);
      if (!parsed.ok)
        throw new UsageError(`serin dashboard: bad flags\n${parsed.problems.map((p) => `  ${p}`).join('\n')}`);
      const { settings } = parsed;
      // Logs go to stderr: stdout carries the URL, for a person or a script to read.
      const log = pino({ level: settings.logLevel, base: { component: 'serin-dashboard' } }, destination(2));
      const dashboard = await startDashboard(settings, log, { assets: loadAssets, shell: pageShell });
      io.out(`Serin dashboard: ${dashboard.url}`);
      if (settings.mode === 'local') io.out('The link works once, in one browser; Ctrl-C stops the dashboard.');
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          log.info({ signal }, 'shutting down');
          void dashboard.stop().then(resolve);
        };
        process.once('SIGINT', () => shutdown('SIGINT'));
        process.once('SIGTERM', () => shutdown('SIGTERM'));
      });
    });
}
