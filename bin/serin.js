#!/usr/bin/env node
// The `serin` command. In the published package it runs the JavaScript bundled into dist/
// (`npm run build`: tools/build.ts, run by `npm pack` through `prepack`); the package ships no TypeScript
// sources and no tsx. In a checkout, where src/ is present and tsx is installed (a dev dependency),
// it runs the sources through tsx instead, so `npm link` / `npx serin` never run a stale dist/.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const sources = new URL('../src/bin/serin.ts', import.meta.url);
const tsx = existsSync(sources) ? await import('tsx/esm/api').catch(() => undefined) : undefined;
if (tsx) {
  tsx.register();
  await import(sources.href);
} else if (existsSync(new URL('../dist/bin/serin.js', import.meta.url))) {
  await import('../dist/bin/serin.js');
} else {
  process.stderr.write('serin: dist/ is not built and tsx is not installed; run `npm ci && npm run build` first\n');
  process.exitCode = 1;
}
