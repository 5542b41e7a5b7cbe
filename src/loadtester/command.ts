/** `serin loadtester`: the flags, their validation, and the service until SIGINT/SIGTERM. */
import { access, constants } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { UsageError } from '../cli/usage-error.js';
import { startLoadTester } from './server.js';
import { formatFlagIssues, parseLoadTesterFlags } from './settings.js';

/** Comma lists that may also be repeated: `--allow-command kubectl,helm --allow-command bats`. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** The `serin loadtester` command. */
export function loadtesterCommand(): Command {
  return new Command('loadtester')
    .description(
      "run a load tester compatible with Flagger's (flagger-loadtester): hey and curl commands from webhooks, " +
        'manual gates, Prometheus metrics',
    )
    .option('--port <port>', 'port of every route (0: any free port)', '8080')
    .option('--address <ip>', 'address to listen on', '0.0.0.0')
    .option('--timeout <duration>', 'longest a task may run; metadata.timeout may ask for less', '1h')
    .option('--namespace-regexp <regexp>', 'serve only payloads whose namespace matches (default: all)')
    .option('--namespace <name>', "the load tester's own namespace, for bare Service names in targets")
    .option('--cluster-domain <domain>', "the cluster's DNS domain", 'cluster.local')
    .option(
      '--allow-target <patterns>',
      'where load may go: cluster (Service names), a host, *.domain, each with an optional :port; repeatable',
      collect,
    )
    .option('--enable-commands', 'run commands other than hey and curl as child processes (needs the two below)')
    .option('--allow-command <programs>', 'programs those commands may run, like kubectl,helm; repeatable', collect)
    .option('--token-file <path>', 'file holding the token commands need (mount a Secret)')
    .option('--max-body-bytes <n>', 'longest request body read', '1048576')
    .option('--progress-interval <duration>', 'how often a long load run logs its progress', '10s')
    .option('--load-threads <n>', 'threads an unpaced hey run uses (0: one per CPU, at most 4)', '0')
    .addOption(new Option('--log-level <level>', 'log level: debug, info, warn or error').default('info'))
    .action(async (flags: Record<string, unknown>) => {
      const parsed = parseLoadTesterFlags({
        ...flags,
        allowTarget: flags.allowTarget ?? ['cluster'],
        allowCommand: flags.allowCommand ?? [],
      });
      if (!parsed.ok) throw new UsageError(`serin loadtester: bad flags\n${formatFlagIssues(parsed.issues)}`);
      const { settings } = parsed;
      if (settings.tokenFile) {
        await access(settings.tokenFile, constants.R_OK).catch(() => {
          throw new UsageError(
            `serin loadtester: --token-file ${settings.tokenFile} cannot be read; mount the Secret there`,
          );
        });
      }
      const log = pino({ level: settings.logLevel, base: { component: 'serin-loadtester' } });
      const running = await startLoadTester({ log }, settings);
      log.info(
        { port: running.port, commands: settings.enableCommands, allowCommands: settings.allowCommands },
        'load tester listening',
      );
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          log.info({ signal }, 'shutting down');
          void running.stop().then(resolve);
        };
        process.once('SIGINT', () => shutdown('SIGINT'));
        process.once('SIGTERM', () => shutdown('SIGTERM'));
      });
    });
}
