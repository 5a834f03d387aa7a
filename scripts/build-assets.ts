/**
 * Content-hashed copies of the static files, so the server can let browsers keep them for a year
 * (`immutable`) and a new build is still seen at once: a changed file gets a new name.
 *
 * - every file of web/static (styles, scripts, the favicon) → web/static/build/<name>.<hash>.<ext>
 * - MapLibre's module and worker keep their own names (the module starts the worker from the file
 *   beside its own URL) inside a folder named by their hash: build/maplibre-<hash>/
 * - MapLibre's files get a brotli copy (.br) beside them: at about 1 MB they are most of what the
 *   map page weighs, and brotli at its best level takes a fifth off what gzip on the fly gives.
 *
 * Writes build/assets.json: "/static/styles.css" → "/static/build/styles.<hash>.css", read by the
 * templates' `asset` helper (server/views/assets.ts).
 *
 * A build may run beside a server that is serving these files (a test file rebuilds while another
 * runs its pages): nothing is deleted before it is replaced, a hashed file already there is left
 * as it is (same name, same bytes), manifests are swapped in whole (rename), and only files no
 * manifest names any more are pruned at the end.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { ROOT_DIR } from '../server/config.js';

export const STATIC_DIR = path.join(ROOT_DIR, 'web', 'static');
export const BUILD_DIR = path.join(STATIC_DIR, 'build');
/** Name of the map of plain to hashed URLs in BUILD_DIR. */
export const ASSET_MANIFEST = 'assets.json';

/** Twelve hex digits of sha256: collisions are not a concern at a few dozen files. */
export function contentHash(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

/** "styles.css" + hash → "styles.<hash>.css" */
export function hashedName(file: string, hash: string): string {
  const ext = path.extname(file);
  return `${path.basename(file, ext)}.${hash}${ext}`;
}

/** Writes a whole file under its name at once: readers see the old file or the new, never half. */
export async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}

async function brotli(file: string): Promise<void> {
  if (existsSync(`${file}.br`)) return;
  const bytes = await readFile(file);
  await writeAtomically(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
}

/**
 * Copies MapLibre's files into build/maplibre-<hash>/ with brotli copies; returns the folder's URL
 * path relative to build/ (what map.js imports from). Must run before the bundles are built.
 */
export async function copyMaplibre(distDir: string, files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) hash.update(await readFile(path.join(distDir, file)));
  const folder = `maplibre-${hash.digest('hex').slice(0, 12)}`;
  await mkdir(path.join(BUILD_DIR, folder), { recursive: true });
  for (const file of files) {
    if (!existsSync(path.join(BUILD_DIR, folder, file))) {
      const temporary = path.join(BUILD_DIR, folder, `${file}.${process.pid}.tmp`);
      await copyFile(path.join(distDir, file), temporary);
      await rename(temporary, path.join(BUILD_DIR, folder, file));
    }
    if (/\.(mjs|js|css)$/.test(file)) await brotli(path.join(BUILD_DIR, folder, file));
  }
  return folder;
}

/**
 * Hashed copies of web/static's own files and of the named built files (map.js, …); writes the
 * manifest and returns it. Must run after the bundles are built.
 */
export async function hashStaticFiles(builtFiles: readonly string[], extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const manifest: Record<string, string> = { ...extra };
  const entries = await readdir(STATIC_DIR, { withFileTypes: true });
  const sources = [
    ...entries.filter((e) => e.isFile()).map((e) => ({ from: path.join(STATIC_DIR, e.name), url: `/static/${e.name}` })),
    ...builtFiles.map((name) => ({ from: path.join(BUILD_DIR, name), url: `/static/build/${name}` })),
  ];
  for (const { from, url } of sources) {
    const bytes = await readFile(from);
    const name = hashedName(path.basename(from), contentHash(bytes));
    if (!existsSync(path.join(BUILD_DIR, name))) await writeAtomically(path.join(BUILD_DIR, name), bytes);
    manifest[url] = `/static/build/${name}`;
  }
  await writeAtomically(path.join(BUILD_DIR, ASSET_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Removes hashed files and MapLibre folders that `keep` (every URL of this build) does not name. */
export async function pruneStale(keep: Iterable<string>): Promise<void> {
  const named = new Set([...keep].map((url) => url.replace(/^\/static\/build\//, '').split('/')[0]!));
  for (const entry of await readdir(BUILD_DIR)) {
    const hashed = /\.[0-9a-f]{12}\.[a-z0-9]+$/.test(entry) || /^maplibre-[0-9a-f]{12}$/.test(entry);
    if (hashed && !named.has(entry)) await rm(path.join(BUILD_DIR, entry), { recursive: true, force: true });
  }
}
