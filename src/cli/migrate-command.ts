import { Command, Option, type CommanderError } from 'commander';
import { CheckUsageError, readInputFiles } from '../check/inputs.js';
import { migrateCanary, type GatewayTarget } from '../migrate/appmesh-to-gatewayapi.js';
import { GATEWAY_FORM, parseGatewayFlag } from '../migrate/gateway-flag.js';
import { parseMigrateInputs } from '../migrate/inputs.js';
import { migrationPlan } from '../migrate/plan.js';
import { CHANGES_NOTHING, gatewayText, renderText, renderYaml, type MigrationReport } from '../migrate/render.js';
import { providerRegistry } from '../routers/providers.js';
import type { CliOutput } from './dev-cluster.js';
import { UsageError } from './usage-error.js';

const NAME = 'serin migrate appmesh-to-gatewayapi';

interface MigrateFlags {
  readonly filename: string[];
  readonly gateway: string;
  readonly lattice?: boolean;
  readonly output: 'text' | 'yaml';
}

/** `serin migrate …`: rewrites Canaries for another provider, printing them; changes nothing in a cluster. */
export function migrateCommand(io: CliOutput): Command {
  return new Command('migrate')
    .description('rewrite Canaries for another routing provider and print a migration plan (changes nothing)')
    .addCommand(appMeshToGatewayApiCommand(io));
}

function appMeshToGatewayApiCommand(io: CliOutput): Command {
  return new Command('appmesh-to-gatewayapi')
    .description(
      'rewrite App Mesh Canaries for Gateway API (optionally on Amazon VPC Lattice): every changed, dropped or ' +
        'differently behaving field with why, a per-service plan (Phase A/B/C) and the migrated YAML. ' +
        CHANGES_NOTHING,
    )
    .requiredOption('-f, --filename <file...>', 'YAML files holding the Canaries (all documents are read)')
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
      const texts = await readInputFiles(flags.filename).catch((err: unknown) => {
        throw err instanceof CheckUsageError ? new UsageError(`${NAME}: ${err.message}`) : err;
      });
      const inputs = parseMigrateInputs(texts);
      for (const problem of inputs.problems) io.err(`${NAME}: ${problem}`);
      if (inputs.canaries.length === 0 && inputs.problems.length === 0) {
        throw new UsageError(`${NAME}: no Canary in ${flags.filename.join(', ')}: pass the file that holds it with -f`);
      }
      const reports = migrateAll(inputs.canaries, gateway, flags);
      io.out(flags.output === 'yaml' ? renderYaml(reports) : renderText(reports, gateway, flags.lattice === true));
      if (inputs.problems.length > 0) process.exitCode = 1;
    });
}

function migrateAll(
  canaries: ReturnType<typeof parseMigrateInputs>['canaries'],
  gateway: GatewayTarget,
  flags: MigrateFlags,
): MigrationReport[] {
  const lattice = flags.lattice === true;
  const registry = providerRegistry('appmesh:v1beta2');
  const yamlCommand =
    `${NAME} ${flags.filename.map((f) => `-f ${f}`).join(' ')} --gateway ${gatewayText(gateway)}` +
    `${lattice ? ' --lattice' : ''} -o yaml`;
  return canaries.map(({ file, canary }) => {
    const migration = migrateCanary(canary, { gateway, lattice, registry });
    const plan = migration.migrated ? migrationPlan(canary, migration.canary, { gateway, lattice, yamlCommand }) : [];
    return { file, original: canary, migration, plan };
  });
}
