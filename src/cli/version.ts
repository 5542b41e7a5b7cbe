import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Serin's version, from package.json. */
export function serinVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
