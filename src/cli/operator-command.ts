import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { globalNotifier } from '../alerts/global.js';
import { startOperator, type OperatorOptions } from '../operator/operator.js';
import type { CliEnvironment } from './environment.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function duration(flag: string) {
  return (value: string): number => {
    const m = /^(\d+)(ms|s|m)$/.exec(value);
    if (!m) throw new InvalidArgumentError(`${flag} takes a duration like 500ms, 10s or 1m; got "${value}"`);
    return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  };
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ 0; got "${value}"`);
    return n;
  };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `serin operator`: runs the controller against a cluster until SIGINT/SIGTERM. */
export function operatorCommand(env: CliEnvironment): Command {
  return new Command('operator')
    .description('run the Serin operator: watch Canaries and release their targets progressively')
    .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster config or $KUBECONFIG)')
    .option('--namespace <name>', 'watch only this namespace (default: all namespaces)')
    .option('--mesh-provider <name>', 'provider for Canaries that name none', 'appmesh:v1beta2')
    .option('--metrics-server <url>', 'Prometheus URL for builtin metrics', 'http://prometheus:9090')
    .option('--port <port>', 'port of /metrics, /healthz and /readyz', positiveInt('--port'), 8080)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .option(
      '--min-interval <duration>',
      'shortest analysis interval honoured (Flagger: 10s)',
      duration('--min-interval'),
      10_000,
    )
    .option('--selector-labels <keys>', 'pod label keys searched on the target selector, in order', list, [
      'app',
      'name',
      'app.kubernetes.io/name',
    ])
    .option('--include-label-prefix <prefixes>', 'label/annotation prefixes copied to primaries (* = all)', list, [])
    .option('--no-config-tracking', 'do not make ConfigMaps/Secrets part of the revision')
    .option('--threadiness <n>', 'canaries reconciled at once', positiveInt('--threadiness'), 4)
    .option('--enable-leader-election', 'run several replicas; only the one holding the Lease acts')
    .option(
      '--leader-election-namespace <name>',
      'namespace of the Lease flagger-leader-election (default: --namespace, else kube-system)',
    )
    .option('--lease-duration <duration>', 'how long the Lease holds unrenewed', duration('--lease-duration'), 60_000)
    .option('--renew-deadline <duration>', 'how long the leader tries to renew', duration('--renew-deadline'), 15_000)
    .option('--retry-period <duration>', 'pause between election attempts', duration('--retry-period'), 5_000)
    .option('--cluster-name <name>', 'adds a "Cluster" field to every alert')
    .option('--slack-url <url>', 'global Slack webhook for canaries without analysis.alerts (env SLACK_URL)')
    .option('--slack-token <token>', 'bearer token for the Slack webhook (env SLACK_TOKEN)')
    .option('--slack-proxy-url <url>', 'HTTP(S) proxy to reach Slack (env SLACK_PROXY_URL)')
    .option('--slack-user <name>', 'name the global Slack alerts are posted under', 'flagger')
    .option('--slack-channel <name>', 'channel of the global Slack alerts (required for them)')
    .option('--msteams-url <url>', 'global MS Teams webhook; wins over Slack (env MSTEAMS_URL)')
    .option('--msteams-proxy-url <url>', 'HTTP(S) proxy to reach MS Teams (env MSTEAMS_PROXY_URL)')
    .action(async (flags: Record<string, unknown>) => {
      const log = pino({ level: flags.logLevel as string, base: { component: 'serin' } });
      const options: OperatorOptions = {
        kubeconfig: flags.kubeconfig as string | undefined,
        namespace: flags.namespace as string | undefined,
        meshProvider: flags.meshProvider as string,
        metricsServer: flags.metricsServer as string,
        port: flags.port as number,
        minIntervalMs: flags.minInterval as number,
        selectorLabels: flags.selectorLabels as string[],
        includeLabelPrefixes: flags.includeLabelPrefix as string[],
        configTracking: flags.configTracking as boolean,
        concurrency: Math.max(1, flags.threadiness as number),
        clusterName: flags.clusterName as string | undefined,
        globalNotifier: globalNotifier(
          {
            slackUrl: env.notifier.slackUrl ?? (flags.slackUrl as string | undefined),
            slackToken: env.notifier.slackToken ?? (flags.slackToken as string | undefined),
            slackProxyUrl: env.notifier.slackProxyUrl ?? (flags.slackProxyUrl as string | undefined),
            slackUser: flags.slackUser as string,
            slackChannel: flags.slackChannel as string | undefined,
            msteamsUrl: env.notifier.msteamsUrl ?? (flags.msteamsUrl as string | undefined),
            msteamsProxyUrl: env.notifier.msteamsProxyUrl ?? (flags.msteamsProxyUrl as string | undefined),
          },
          (warning) => log.warn(warning),
        ),
      };
      const leaseDurationMs = flags.leaseDuration as number;
      const renewDeadlineMs = flags.renewDeadline as number;
      const retryPeriodMs = flags.retryPeriod as number;
      if (flags.enableLeaderElection && !(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
        throw new Error(
          `--retry-period (${retryPeriodMs} ms) < --renew-deadline (${renewDeadlineMs} ms) < --lease-duration (${leaseDurationMs} ms) must hold, or two replicas could act at once`,
        );
      }
      const election: Partial<OperatorOptions> = flags.enableLeaderElection
        ? {
            leaderElection: {
              namespace: (flags.namespace ?? flags.leaderElectionNamespace ?? 'kube-system') as string,
              leaseDurationMs,
              renewDeadlineMs,
              retryPeriodMs,
            },
            onLostLeadership: () => {
              log.error('leadership lost; exiting so that a restart campaigns again');
              process.exit(1);
            },
          }
        : {};
      const operator = await startOperator({ ...options, ...election }, log);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          log.info({ signal }, 'shutting down');
          void operator.stop().then(resolve);
        };
        process.once('SIGINT', () => shutdown('SIGINT'));
        process.once('SIGTERM', () => shutdown('SIGTERM'));
      });
    });
}
