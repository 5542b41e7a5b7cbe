import { Command } from 'commander';
import { checkCommand } from './check-command.js';
import { dashboardCommand } from './dashboard-command.js';
import { devClusterCommand, type CliOutput } from './dev-cluster.js';
import { pauseCommands, releaseCommands } from './control-commands.js';
import { demoCommand } from './demo.js';
import { loadtesterCommand } from '../loadtester/command.js';
import { migrateCommand } from './migrate-command.js';
import { operatorCommand } from './operator-command.js';
import { simulateCommand } from './simulate-command.js';
import { statusCommand } from './status-command.js';
import type { CliEnvironment } from './environment.js';
import { serinVersion } from './version.js';

/** Builds the `serin` command tree; the composition root (src/bin/serin.ts) runs it. */
export function buildProgram(env: CliEnvironment, io: CliOutput): Command {
  const program = new Command('serin')
    .description(
      "Serin: progressive delivery for Kubernetes. Serves Flagger's API (flagger.app/v1beta1): canary releases " +
        'shifted step by step through App Mesh or Gateway API, judged by metrics, promoted or rolled back on their own.',
    )
    .version(serinVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run `serin --help` for the commands)');
  program.addCommand(operatorCommand(env));
  program.addCommand(devClusterCommand(env, io));
  program.addCommand(statusCommand(io, (text) => process.stdout.write(text)));
  for (const c of [...pauseCommands(io), ...releaseCommands(io)]) program.addCommand(c);
  program.addCommand(simulateCommand(io));
  program.addCommand(demoCommand(io));
  program.addCommand(checkCommand(io));
  program.addCommand(migrateCommand(io));
  program.addCommand(loadtesterCommand());
  program.addCommand(dashboardCommand(io));
  return program;
}
