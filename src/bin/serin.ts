#!/usr/bin/env node
// Composition root of the `serin` command: reads the environment once, wires output, runs the CLI.
import { buildProgram } from '../cli/program.js';
import { readEnvironment } from '../cli/environment.js';

const io = {
  out: (line: string) => process.stdout.write(line + '\n'),
  err: (line: string) => process.stderr.write(line + '\n'),
};
try {
  await buildProgram(readEnvironment(process.env), io).parseAsync(process.argv);
} catch (err) {
  io.err(`serin: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
