import { Command, InvalidArgumentError, Option, type CommanderError } from 'commander';
import { CheckUsageError, parseCheckInputs, readInputFiles } from '../check/inputs.js';
import { KubeReader } from '../check/kube-reader.js';
import { loadKubeConfig } from '../check/kubeconfig.js';
import { renderJson, renderText } from '../check/render.js';
import { ExitCode, summarize } from '../check/report.js';
import { runCheck } from '../check/run-check.js';
import { probeTcp } from '../check/tcp-probe.js';
import type { CliOutput } from './dev-cluster.js';

/** How `serin check` ends the process: the exit code after the report, and a hard stop for bad flags. */
export interface CheckExit {
  /** Sets the exit code (0 ok, 1 a check failed, 2 bad usage). Default: `process.exitCode`. */
  readonly setCode: (code: number) => void;
  /** Stops at once with `code` (commander's own usage errors). Default: `process.exit`. */
  readonly now: (code: number) => void;
}

const PROCESS_EXIT: CheckExit = {
  setCode: (code) => {
    process.exitCode = code;
  },
  now: (code) => process.exit(code),
};

interface CheckFlags {
  readonly filename: string[];
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly metricsServer?: string;
  readonly meshProvider: string;
  readonly judgeHours: number;
  readonly output: 'text' | 'json';
}

function positiveHours(value: string): number {
  const hours = Number(value);
  if (Number.isFinite(hours) && hours > 0 && hours <= 24 * 7) return hours;
  throw new InvalidArgumentError(
    `--judge-hours takes a number of hours above 0 and up to 168, such as 3; got "${value}"`,
  );
}

function httpUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // worded below
  }
  throw new InvalidArgumentError(`--metrics-server takes an http(s) URL like http://127.0.0.1:9090; got "${value}"`);
}

/**
 * `serin check -f canary.yaml`: will this Canary work, right now, before it is shipped? Validates
 * the file, checks the cluster, measures the metrics, and reaches the webhooks without calling them.
 */
export function checkCommand(io: CliOutput, exit: CheckExit = PROCESS_EXIT): Command {
  return new Command('check')
    .description(
      'check Canaries before shipping them: validate the file, find what they reference in the cluster, ' +
        'measure their metrics now, and reach their webhooks (TCP only; no request is sent)',
    )
    .requiredOption('-f, --filename <file...>', 'YAML files holding the Canaries (all documents are read)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('-n, --namespace <name>', "namespace of objects that name none (default: the context's, else default)")
    .option('--metrics-server <url>', "Prometheus to query instead of the Canaries' spec.metricsServer", httpUrl)
    .option('--mesh-provider <name>', 'provider of Canaries that name none (as the operator flag)', 'appmesh:v1beta2')
    .option(
      '--judge-hours <hours>',
      "hours of the primary's history the statistical judge's A/A pre-flight reads (Canaries with analysis.judge)",
      positiveHours,
      3,
    )
    .addOption(new Option('-o, --output <format>', 'report format').choices(['text', 'json']).default('text'))
    .showHelpAfterError('(run `serin check --help` for the options)')
    .exitOverride((err: CommanderError) => {
      // Help and version end with 0; every other commander error is bad usage.
      exit.now(err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage);
    })
    .action(async (flags: CheckFlags) => {
      try {
        const texts = await readInputFiles(flags.filename);
        const { kc, context, namespace } = await loadKubeConfig(flags.kubeconfig);
        const inputs = parseCheckInputs(texts, {
          flag: flags.namespace,
          fallback: namespace || 'default',
        });
        const report = await runCheck(
          inputs,
          { reader: new KubeReader(kc, inputs.objects), probe: probeTcp },
          {
            files: flags.filename,
            meshProvider: flags.meshProvider,
            metricsServer: flags.metricsServer,
            context,
            judgeHours: flags.judgeHours,
          },
        );
        io.out(flags.output === 'json' ? renderJson(report) : renderText(report));
        exit.setCode(summarize(report).exitCode);
      } catch (err) {
        if (!(err instanceof CheckUsageError)) throw err;
        io.err(`serin check: ${err.message}`);
        exit.setCode(ExitCode.Usage);
      }
    });
}
