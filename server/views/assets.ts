/**
 * Static file URLs as the build named them: "/static/styles.css" becomes
 * "/static/build/styles.<hash>.css" (scripts/build-assets.ts), which is served as immutable. A
 * file the build did not hash (or no build yet) keeps its plain URL, which is revalidated.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../config.js';

const MANIFEST = path.join(ROOT_DIR, 'web', 'static', 'build', 'assets.json');

let cached: { mtimeMs: number; map: Record<string, string> } | null = null;
let checkedAt = -Infinity;
/** A page names a dozen assets: look at the manifest's file at most once a second, not per name. */
const RECHECK_MS = 1000;

/** The manifest, read again only when a new build rewrote it (npm run build:web beside a server). */
function manifest(): Record<string, string> {
  const now = performance.now();
  if (cached && now - checkedAt < RECHECK_MS) return cached.map;
  checkedAt = now;
  if (!existsSync(MANIFEST)) {
    cached = null;
    return {};
  }
  const { mtimeMs } = statSync(MANIFEST);
  if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, map: JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string> };
  return cached.map;
}

/** The content-hashed URL of a static file, or the plain one when the build has none. */
export function assetUrl(plain: string): string {
  return manifest()[plain] ?? plain;
}
