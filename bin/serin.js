#!/usr/bin/env node
// Runs the TypeScript entry point through tsx, so `npm link` / `npx serin` work from a checkout.
import { register } from 'tsx/esm/api';
register();
await import('../src/bin/serin.ts');
