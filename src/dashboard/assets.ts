/**
 * The dashboard page's bundle (src/dashboard/ui/, Preact and uPlot) as one JS and one CSS text.
 * `npm run build` writes it beside the compiled server (dist/dashboard/assets/, tools/dashboard/
 * build.ts), so the package needs neither esbuild nor the sources at run time; run from sources
 * (tsx), it is bundled in memory with esbuild, a devDependency, on first use.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The page's code and styles, each one self-contained text (no imports, no URLs). */
export interface DashboardAssets {
  readonly js: string;
  readonly css: string;
}

/**
 * Where `npm run build` puts the bundle: dist/dashboard/assets/ (this code is in a chunk of dist/, two
 * folders below the package as src/dashboard/ is; from sources the folder does not exist).
 */
export const PREBUILT_DIR = join(import.meta.dirname, '..', 'dashboard', 'assets');
/** The page's entry point, present when running from sources. */
const ENTRY = join(import.meta.dirname, '..', 'dashboard', 'ui', 'main.tsx');

/** Said once at the top of both files: what they carry and under which licences. */
const BANNER = '/* Serin dashboard. Bundles Preact (MIT, (c) Jason Miller) and uPlot (MIT, (c) Leon Sik). */';

/** Bundles the page from its sources with esbuild (minified ES2022 module; CSS imported by it in one file). */
export async function bundleAssets(): Promise<DashboardAssets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    outdir: 'bundle',
    entryNames: 'app',
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    platform: 'browser',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    banner: { js: BANNER, css: BANNER },
    logLevel: 'silent',
  });
  const text = (ext: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`dashboard bundle: esbuild wrote no ${ext} file`);
    return file.text;
  };
  return { js: text('.js'), css: text('.css') };
}

async function readPrebuilt(): Promise<DashboardAssets | undefined> {
  try {
    const [js, css] = await Promise.all([
      readFile(join(PREBUILT_DIR, 'app.js'), 'utf8'),
      readFile(join(PREBUILT_DIR, 'app.css'), 'utf8'),
    ]);
    return { js, css };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The bundle is a function of files that do not change while the process runs, so it is made
 * once per process: this promise is a cache of a constant, not state (house rule 2).
 */
let loading: Promise<DashboardAssets> | undefined;

/** The prebuilt bundle when present, else one bundled from the sources; the same promise every call. */
export function loadAssets(): Promise<DashboardAssets> {
  loading ??= readPrebuilt().then((prebuilt) => prebuilt ?? bundleAssets());
  // A failed bundle (a syntax error while editing the page) is tried again on the next call.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** The HTML every page route serves; the page draws itself from the API (no inline script or style). */
export function pageShell(): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Serin dashboard</title>',
    '<link rel="icon" href="data:,">',
    '<link rel="stylesheet" href="/assets/app.css">',
    '</head>',
    '<body>',
    '<div id="app"></div>',
    '<script type="module" src="/assets/app.js"></script>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
