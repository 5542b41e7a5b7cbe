/**
 * `npm run build`: what the npm package and the image run, bundled by esbuild from src/ into dist/:
 * `dist/bin/serin.js` (the CLI) and `dist/loadtester/load-thread.js` (a load tester thread's script),
 * each command's modules split into `dist/chunks/` and loaded only when that command runs. The
 * libraries are bundled too (devDependencies, so an install does not fetch them a second time), their
 * licences gathered in `dist/THIRD-PARTY-LICENSES.txt`; only the packages loaded on demand and large
 * stay `dependencies` the package installs (@aws-sdk for CloudWatch, @kubernetes/client-node for
 * exec credential plugins).
 *
 * Why bundle (docs/performance.md): V8 keeps the source of every module it loaded. tsc's output is
 * 830 modules, comments kept and many of them held as two-byte strings for one non-Latin-1 character;
 * one bundle without comments or whitespace, ASCII only, is a fraction of that, and its compilation
 * leaves less in malloc's arenas: at 1,000 canaries the operator's resident memory fell by 10–20 MiB.
 * Names are kept (no identifier minification), so stack traces in logs still say which function.
 * Every output file sits two folders below the package root, as the sources do (src/<dir>/<file>.ts),
 * so paths the code finds from `import.meta.dirname` (`../..` is the package) hold in both.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist');

await rm(dist, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/bin/serin.ts', 'src/loadtester/load-thread.ts'],
  outbase: 'src',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node26',
  packages: 'bundle',
  external: ['@aws-sdk/*', '@kubernetes/client-node', 'esbuild', 'tsx', 'tsx/*'],
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  legalComments: 'none',
  // The CommonJS dependencies call require() for Node's modules; an ES module has none of its own.
  banner: {
    js: "import { createRequire as serinRequire } from 'node:module'; const require = serinRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});
await writeFile(join(dist, 'THIRD-PARTY-LICENSES.txt'), await licences(Object.keys(result.metafile.inputs)));
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const bytes = outputs.reduce((sum, [, out]) => sum + out.bytes, 0);
console.log(`dist/: ${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB of JavaScript`);

/** The licence of every package `inputs` (the bundle's source files) came from, each under its name. */
async function licences(inputs: readonly string[]): Promise<string> {
  const packages = new Set<string>();
  for (const input of inputs) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    if (name) packages.add(name);
  }
  const sections: string[] = [];
  for (const name of [...packages].sort()) {
    const dir = join(root, 'node_modules', name);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string; license?: string };
    const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    if (!file) throw new Error(`${name} is bundled into dist/ but has no LICENSE file to ship with it`);
    const text = (await readFile(join(dir, file), 'utf8')).trim();
    sections.push(`${name}@${pkg.version} (${pkg.license ?? 'see below'})\n\n${text}\n`);
  }
  return (
    'Serin bundles these packages into dist/ (tools/build.ts). Their licences follow.\n\n' +
    sections.join(`\n${'-'.repeat(78)}\n\n`)
  );
}
