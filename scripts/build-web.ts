/**
 * Builds the map page's JavaScript: web/src/map/main.ts → web/static/build/map.js (ESM, minified,
 * with a source map). MapLibre is not bundled in: its own ES module and its worker are copied
 * beside map.js unchanged, and map.js imports it from there, because MapLibre starts its worker
 * from the file next to its own URL (import.meta.url) — a same-origin file, as the CSP wants.
 *
 * Prints the compressed size of the page's own JavaScript (MapLibre excluded) and fails when it
 * is over the budget. `npm run build:web`; `npm start`, `npm test` and `npm run serve` run it first.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { ROOT_DIR } from '../server/config.js';
import { copyMaplibre, hashStaticFiles, pruneStale, writeAtomically } from './build-assets.js';

/** The map page's own JavaScript, compressed, must stay under this (MapLibre not counted). */
export const BUDGET_BYTES = 100 * 1024;

const OUT_DIR = path.join(ROOT_DIR, 'web', 'static', 'build');
const MAPLIBRE_DIST = path.join(ROOT_DIR, 'node_modules', 'maplibre-gl', 'dist');
/** The files of MapLibre's distribution the page loads: the module, its worker, its CSS. */
const MAPLIBRE_FILES = ['maplibre-gl.mjs', 'maplibre-gl-worker.mjs', 'maplibre-gl.css'];

export type BuildReport = { bytes: number; gzipBytes: number; budgetBytes: number; maplibreVersion: string; outDir: string };

async function maplibreVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(ROOT_DIR, 'node_modules', 'maplibre-gl', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function buildWeb(): Promise<BuildReport> {
  const version = await maplibreVersion();
  // Not emptied first: a server may be serving these files right now (see build-assets.ts).
  await mkdir(OUT_DIR, { recursive: true });
  // MapLibre in a folder named by its content hash, so it can be cached for good (build-assets.ts).
  const maplibreDir = await copyMaplibre(MAPLIBRE_DIST, MAPLIBRE_FILES);
  const maplibreUrl = `./${maplibreDir}/maplibre-gl.mjs`;

  // Both bundles: browser ESM, minified, MapLibre left out (the copied file beside them is imported).
  const common = {
    bundle: true,
    format: 'esm' as const,
    minify: true,
    sourcemap: true,
    target: 'es2020',
    platform: 'browser' as const,
    legalComments: 'none' as const,
    logLevel: 'warning' as const,
    plugins: [
      {
        name: 'maplibre-beside',
        setup(build: esbuild.PluginBuild) {
          // The bare import becomes the copied file, with its version so caches follow upgrades.
          build.onResolve({ filter: /^maplibre-gl$/ }, () => ({ path: maplibreUrl, external: true }));
        },
      },
    ],
  };
  const result = await esbuild.build({ ...common, entryPoints: [path.join(ROOT_DIR, 'web', 'src', 'map', 'main.ts')], outfile: path.join(OUT_DIR, 'map.js'), metafile: true });
  if (result.errors.length) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);

  // The staff grave page's position map: its own small bundle, MapLibre shared with the map page.
  const upkeep = await esbuild.build({ ...common, entryPoints: [path.join(ROOT_DIR, 'web', 'src', 'upkeep', 'position-map.ts')], outfile: path.join(OUT_DIR, 'upkeep-map.js') });
  if (upkeep.errors.length) throw new Error(`esbuild failed: ${upkeep.errors.map((e) => e.text).join('; ')}`);

  // The coverage page's choropleth (staff): MapLibre shared with the map page.
  const coverage = await esbuild.build({ ...common, entryPoints: [path.join(ROOT_DIR, 'web', 'src', 'coverage', 'choropleth.ts')], outfile: path.join(OUT_DIR, 'coverage-map.js') });
  if (coverage.errors.length) throw new Error(`esbuild failed: ${coverage.errors.map((e) => e.text).join('; ')}`);

  // The public pages' print and share buttons: a few hundred bytes, no MapLibre.
  const pages = await esbuild.build({ ...common, plugins: [], entryPoints: [path.join(ROOT_DIR, 'web', 'src', 'pages', 'page-actions.ts')], outfile: path.join(OUT_DIR, 'pages.js') });
  if (pages.errors.length) throw new Error(`esbuild failed: ${pages.errors.map((e) => e.text).join('; ')}`);

  const hashed = await hashStaticFiles(['map.js', 'upkeep-map.js', 'coverage-map.js', 'pages.js'], { '/static/build/maplibre-gl.css': `/static/build/${maplibreDir}/maplibre-gl.css` });
  const js = await readFile(path.join(OUT_DIR, 'map.js'));
  // Read by the map page (server/map/map-page.ts): content-hashed URLs, cached for a year.
  await writeAtomically(
    path.join(OUT_DIR, 'manifest.json'),
    `${JSON.stringify({ script: hashed['/static/build/map.js'], maplibre: `/static/build/${maplibreUrl.slice(2)}`, maplibreCss: `/static/build/${maplibreDir}/maplibre-gl.css` }, null, 2)}\n`,
  );
  await pruneStale(Object.values(hashed));
  return { bytes: js.length, gzipBytes: gzipSync(js, { level: 9 }).length, budgetBytes: BUDGET_BYTES, maplibreVersion: version, outDir: OUT_DIR };
}

export function describeBuild(report: BuildReport): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return `web/static/build/map.js: ${kb(report.bytes)} minified, ${kb(report.gzipBytes)} gzip (budget ${kb(report.budgetBytes)} gzip; MapLibre ${report.maplibreVersion} not counted)`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await buildWeb();
  console.log(describeBuild(report));
  if (report.gzipBytes > report.budgetBytes) {
    console.error(`The map page's own JavaScript is over its budget of ${report.budgetBytes / 1024} KB compressed.`);
    process.exit(1);
  }
}
