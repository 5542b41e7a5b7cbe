import { Command, Option, type CommanderError } from 'commander';
import { CheckUsageError, readInputFiles } from '../check/inputs.js';
import { loadKubeConfig } from '../check/kubeconfig.js';
import { KubeRest } from '../kube/rest.js';
import { applyMigrated, clusterCanaries } from '../migrate/cluster.js';
import { migrateCanary, type GatewayTarget } from '../migrate/appmesh-to-gatewayapi.js';
import { GATEWAY_FORM, parseGatewayFlag } from '../migrate/gateway-flag.js';
import { migrateInputs, parseMigrateInputs } from '../migrate/inputs.js';
import { migrationPlan } from '../migrate/plan.js';
import {
  APPLIES,
  CHANGES_NOTHING,
  gatewayText,
  renderText,
  renderYaml,
  type MigrationReport,
} from '../migrate/render.js';
import { providerRegistry } from '../routers/providers.js';
import type { CliOutput } from './dev-cluster.js';
import { UsageError } from './usage-error.js';

const NAME = 'serin migrate appmesh-to-gatewayapi';

interface MigrateFlags {
  readonly filename?: string[];
  readonly fromCluster?: boolean;
  readonly namespace?: string;
  readonly kubeconfig?: string;
  readonly apply?: boolean;
  readonly gateway: string;
  readonly lattice?: boolean;
  readonly output: 'text' | 'yaml';
}

/** `serin migrate …`: rewrites Canaries for another provider, printing them; changes nothing in a cluster. */
export function migrateCommand(io: CliOutput): Command {
  return new Command('migrate')
    .description(
      'rewrite Canaries for another routing provider and print a migration plan (changes nothing without --apply)',
    )
    .addCommand(appMeshToGatewayApiCommand(io));
}

function appMeshToGatewayApiCommand(io: CliOutput): Command {
  return new Command('appmesh-to-gatewayapi')
    .description(
      'rewrite App Mesh Canaries for Gateway API (optionally on Amazon VPC Lattice): every changed, dropped or ' +
        'differently behaving field with why, a per-service plan (Phase A/B/C) and the migrated YAML. ' +
        CHANGES_NOTHING,
    )
    .option('-f, --filename <file...>', 'YAML files holding the Canaries (all documents are read)')
    .option('--from-cluster', 'read the Canaries from the cluster instead (all namespaces, or -n)')
    .option(
      '-n, --namespace <name>',
      'with --from-cluster: only this namespace; with --apply: for Canaries without one',
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig file for --from-cluster and --apply (default: $KUBECONFIG or ~/.kube/config)',
    )
    .option('--apply', 'write the migrated Canaries to the cluster (only idle ones, never over a concurrent edit)')
    .requiredOption('--gateway <ref>', `the Gateway the HTTPRoutes attach to: ${GATEWAY_FORM}`)
    .option('--lattice', "the Gateway is Amazon VPC Lattice's: report what Lattice ignores or rejects")
    .addOption(
      new Option('-o, --output <format>', 'text: report, plan and YAML; yaml: only the migrated Canaries')
        .choices(['text', 'yaml'])
        .default('text'),
    )
    .showHelpAfterError(`(run \`${NAME} --help\` for the options)`)
    .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (flags: MigrateFlags) => {
      const gateway = parseGatewayFlag(flags.gateway);
      if (!gateway) throw new UsageError(`${NAME}: --gateway takes ${GATEWAY_FORM}; got "${flags.gateway}"`);
      if (Boolean(flags.filename?.length) === Boolean(flags.fromCluster)) {
        throw new UsageError(
          `${NAME}: pass the Canaries' files with -f, or --from-cluster to read them from the cluster`,
        );
      }
      const inputs = await readInputs(flags);
      for (const problem of inputs.problems) io.err(`${NAME}: ${problem}`);
      if (inputs.canaries.length === 0 && inputs.problems.length === 0) {
        const where = flags.fromCluster
          ? `the cluster${flags.namespace ? ` (namespace ${flags.namespace})` : ''}`
          : (flags.filename ?? []).join(', ');
        throw new UsageError(`${NAME}: no Canary in ${where}: pass the file that holds it with -f`);
      }
      const reports = migrateAll(inputs.canaries, gateway, flags);
      const header = flags.apply ? APPLIES : CHANGES_NOTHING;
      io.out(
        flags.output === 'yaml' ? renderYaml(reports) : renderText(reports, gateway, flags.lattice === true, header),
      );
      const applied = flags.apply ? await applyAll(reports, flags, io) : true;
      if (inputs.problems.length > 0 || !applied) process.exitCode = 1;
    });
}

async function rest(flags: MigrateFlags): Promise<{ readonly rest: KubeRest; readonly namespace: string }> {
  try {
    const loaded = await loadKubeConfig(flags.kubeconfig);
    return { rest: new KubeRest(loaded.kc), namespace: flags.namespace ?? loaded.namespace ?? 'default' };
  } catch (err) {
    throw err instanceof CheckUsageError ? new UsageError(`${NAME}: ${err.message}`) : err;
  }
}

async function readInputs(flags: MigrateFlags) {
  if (flags.fromCluster) {
    const { rest: client } = await rest(flags);
    const docs = await clusterCanaries(client, flags.namespace).catch((err: unknown) => {
      throw new UsageError(
        `${NAME}: cannot read the cluster's Canaries: ${err instanceof Error ? err.message : String(err)} (is the kubeconfig right, and are the CRDs installed?)`,
      );
    });
    return migrateInputs(docs);
  }
  const texts = await readInputFiles(flags.filename ?? []).catch((err: unknown) => {
    throw err instanceof CheckUsageError ? new UsageError(`${NAME}: ${err.message}`) : err;
  });
  return parseMigrateInputs(texts);
}

/** `--apply`: writes each migrated Canary; one line each on stderr; false when one was not applied. */
async function applyAll(reports: readonly MigrationReport[], flags: MigrateFlags, io: CliOutput): Promise<boolean> {
  const { rest: client, namespace } = await rest(flags);
  let all = true;
  for (const report of reports) {
    if (!report.migration.migrated) continue;
    const applied = await applyMigrated(client, report.migration.canary, namespace);
    io.err(`${NAME}: ${applied.line}`);
    all &&= applied.ok;
  }
  return all;
}

function migrateAll(
  canaries: ReturnType<typeof parseMigrateInputs>['canaries'],
  gateway: GatewayTarget,
  flags: MigrateFlags,
): MigrationReport[] {
  const lattice = flags.lattice === true;
  const registry = providerRegistry('appmesh:v1beta2');
  const source = flags.fromCluster
    ? `--from-cluster${flags.namespace ? ` -n ${flags.namespace}` : ''}`
    : (flags.filename ?? []).map((f) => `-f ${f}`).join(' ');
  const yamlCommand = `${NAME} ${source} --gateway ${gatewayText(gateway)}` + `${lattice ? ' --lattice' : ''} -o yaml`;
  return canaries.map(({ file, canary }) => {
    const migration = migrateCanary(canary, { gateway, lattice, registry });
    const plan = migration.migrated ? migrationPlan(canary, migration.canary, { gateway, lattice, yamlCommand }) : [];
    return { file, original: canary, migration, plan };
  });
}
