#!/usr/bin/env node
// Composition root of the `serin` command: reads the environment once, wires output, runs the CLI.
import { buildProgram } from '../cli/program.js';
import { readEnvironment } from '../cli/environment.js';
import { UsageError } from '../cli/usage-error.js';

const io = {
  out: (line: string) => process.stdout.write(line + '\n'),
  err: (line: string) => process.stderr.write(line + '\n'),
};
try {
  await (await buildProgram(readEnvironment(process.env), io, process.argv)).parseAsync(process.argv);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  io.err(message.startsWith('serin') ? message : `serin: ${message}`);
  process.exitCode = err instanceof UsageError ? err.exitCode : 1;
}
