import { Command, Option } from 'commander';
import { pino } from 'pino';
import { globalNotifier } from '../alerts/global.js';
import { useJit } from '../operator/jit.js';
import { startMemoryTrim } from '../operator/memory-trim.js';
import { startOperator } from '../operator/operator.js';
import { formatFlagIssues, parseOperatorFlags, type OperatorSettings } from '../operator/settings.js';
import { providerRegistry } from '../routers/providers.js';
import type { CliEnvironment } from './environment.js';
import { UsageError } from './usage-error.js';
import { serinVersion } from './version.js';

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
    .option('--port <port>', 'port of /metrics, /healthz and /readyz (0: any free port)', '8080')
    .addOption(new Option('--log-level <level>', 'log level: debug, info, warn or error').default('info'))
    .option(
      '--jit <mode>',
      "V8's compilers: baseline (interpreter and Sparkplug: 15-20 MiB less memory) or full (+ Maglev, TurboFan)",
      'baseline',
    )
    .option('--memory-trim-interval <duration>', 'how often freed memory goes back to the system (0: never)', '30s')
    .option('--min-interval <duration>', 'shortest analysis interval honoured (Flagger: 10s)', '10s')
    .option('--selector-labels <keys>', 'pod label keys searched on the target selector, in order', list, [
      'app',
      'name',
      'app.kubernetes.io/name',
    ])
    .option('--include-label-prefix <prefixes>', 'label/annotation prefixes copied to primaries (* = all)', list, [])
    .option('--no-config-tracking', 'do not make ConfigMaps/Secrets part of the revision')
    .option('--threadiness <n>', 'canaries reconciled at once', '64')
    .option('--max-concurrent-analyses <n>', 'canaries whose metric checks run at once (0: --threadiness)', '0')
    .option('--max-concurrent-queries <n>', 'metric queries in flight at once, all servers together', '8')
    .option('--enable-leader-election', 'run several replicas; only the one holding the Lease acts')
    .option(
      '--leader-election-namespace <name>',
      'namespace of the Lease flagger-leader-election (default: --namespace, else kube-system)',
    )
    .option('--lease-duration <duration>', 'how long the Lease holds unrenewed', '60s')
    .option('--renew-deadline <duration>', 'how long the leader tries to renew', '15s')
    .option('--retry-period <duration>', 'pause between election attempts', '5s')
    .option('--cluster-name <name>', 'adds a "Cluster" field to every alert')
    .option('--slack-url <url>', 'global Slack webhook for canaries without analysis.alerts (env SLACK_URL)')
    .option('--slack-token <token>', 'bearer token for the Slack webhook (env SLACK_TOKEN)')
    .option('--slack-proxy-url <url>', 'HTTP(S) proxy to reach Slack (env SLACK_PROXY_URL)')
    .option('--slack-user <name>', 'name the global Slack alerts are posted under', 'flagger')
    .option('--slack-channel <name>', 'channel of the global Slack alerts (required for them)')
    .option('--msteams-url <url>', 'global MS Teams webhook; wins over Slack (env MSTEAMS_URL)')
    .option('--msteams-proxy-url <url>', 'HTTP(S) proxy to reach MS Teams (env MSTEAMS_PROXY_URL)')
    .action(async (flags: Record<string, unknown>) => {
      const parsed = parseOperatorFlags(flags, providerRegistry);
      if (!parsed.ok) throw new UsageError(`serin operator: bad flags\n${formatFlagIssues(parsed.issues)}`);
      useJit(parsed.settings.jit);
      await runOperator(parsed.settings, flags, env);
    });
}

/** Starts the operator with validated settings and runs it until SIGINT/SIGTERM. */
async function runOperator(settings: OperatorSettings, flags: Record<string, unknown>, env: CliEnvironment) {
  const log = pino({ level: settings.logLevel, base: { component: 'serin' } });
  log.info(
    { version: serinVersion(), meshProvider: settings.meshProvider, jit: settings.jit },
    'starting serin operator',
  );
  const text = (key: string) => flags[key] as string | undefined;
  const notifier = globalNotifier(
    {
      slackUrl: env.notifier.slackUrl ?? text('slackUrl'),
      slackToken: env.notifier.slackToken ?? text('slackToken'),
      slackProxyUrl: env.notifier.slackProxyUrl ?? text('slackProxyUrl'),
      slackUser: text('slackUser') ?? 'flagger',
      slackChannel: text('slackChannel'),
      msteamsUrl: env.notifier.msteamsUrl ?? text('msteamsUrl'),
      msteamsProxyUrl: env.notifier.msteamsProxyUrl ?? text('msteamsProxyUrl'),
    },
    (warning) => log.warn(warning),
  );
  const stopTrim = await startMemoryTrim(settings.memoryTrimIntervalMs, log);
  const operator = await startOperator(
    {
      ...settings,
      globalNotifier: notifier,
      onLostLeadership: () => {
        log.error('leadership lost; exiting so that a restart campaigns again');
        process.exit(1);
      },
    },
    log,
  );
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      stopTrim();
      void operator.stop().then(resolve);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
