/**
 * `npm run build`, after tsc: bundles the dashboard page (src/dashboard/ui/) into
 * dist/dashboard/assets/app.{js,css}, where the compiled src/dashboard/assets.ts finds it, so the
 * package serves the page without esbuild. Prints the sizes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleAssets } from '../../src/dashboard/assets.js';

const out = resolve(import.meta.dirname, '../../dist/dashboard/assets');
const assets = await bundleAssets();
await mkdir(out, { recursive: true });
for (const [name, text] of [
  ['app.js', assets.js],
  ['app.css', assets.css],
] as const) {
  await writeFile(join(out, name), text);
  const kb = (n: number) => (n / 1024).toFixed(1);
  console.log(`dashboard ${name}: ${kb(Buffer.byteLength(text))} KiB, ${kb(gzipSync(text).length)} KiB gzipped`);
}
