/**
 * Sitemaps (sitemaps.org 0.9). Each file covers a fixed range of ids, so any file is one indexed
 * range read whatever the size of the tables, and is written to the response as it is read.
 * While every kind's ids fit in one file together, /sitemap.xml is a single list; beyond that it
 * is an index of /sitemaps/<kind>-<n>.xml files of at most URLS_PER_FILE URLs each.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Db } from '../db/knex.js';
import { escapeXml } from './map-svg.js';
import { maxIds, SITEMAP_KINDS, sitemapBatch, type SitemapKind } from './sitemap.queries.js';

/** The sitemaps.org limit per file. */
export const URLS_PER_FILE = 50_000;
const BATCH = 5_000;

const URLSET_OPEN = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n';

export type SitemapPlan = { single: true } | { single: false; files: string[] };

/** Whether one file holds everything, or which files the index lists. */
export async function planSitemap(db: Db, fixedPaths: number): Promise<SitemapPlan> {
  const max = await maxIds(db);
  const total = fixedPaths + SITEMAP_KINDS.reduce((sum, kind) => sum + max[kind], 0);
  if (total <= URLS_PER_FILE) return { single: true };
  const files = ['pages.xml'];
  for (const kind of SITEMAP_KINDS) {
    for (let n = 1; n <= Math.max(1, Math.ceil(max[kind] / URLS_PER_FILE)); n++) files.push(`${kind}-${n}.xml`);
  }
  return { single: false, files };
}

export function sitemapIndexXml(base: string, files: string[]): string {
  const entries = files.map((f) => `  <sitemap><loc>${escapeXml(`${base}/sitemaps/${f}`)}</loc></sitemap>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries}</sitemapindex>\n`;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

function urlXml(base: string, path: string, lastmod?: Date): string {
  const date = lastmod ? `<lastmod>${lastmod.toISOString().slice(0, 10)}</lastmod>` : '';
  return `  <url><loc>${escapeXml(base + path)}</loc>${date}</url>\n`;
}

async function writeRange(out: Writable, db: Db, base: string, kind: SitemapKind, firstId: number, lastId: number): Promise<void> {
  let after = firstId - 1;
  for (;;) {
    const batch = await sitemapBatch(db, kind, after, lastId, BATCH);
    if (!batch.length) return;
    await write(out, batch.map((e) => urlXml(base, e.path, e.lastmod)).join(''));
    after = batch[batch.length - 1]!.id;
    if (batch.length < BATCH) return;
  }
}

/** The whole sitemap in one file: fixed pages, then every kind. */
export async function writeSingleSitemap(out: Writable, db: Db, base: string, fixedPaths: string[]): Promise<void> {
  await write(out, URLSET_OPEN + fixedPaths.map((p) => urlXml(base, p)).join(''));
  for (const kind of SITEMAP_KINDS) await writeRange(out, db, base, kind, 1, Number.MAX_SAFE_INTEGER);
  out.end('</urlset>\n');
}

/** One file of the index: "pages.xml" or "<kind>-<n>.xml"; false when there is no such file. */
export async function writeSitemapFile(out: Writable, db: Db, base: string, file: string, fixedPaths: string[]): Promise<boolean> {
  if (file === 'pages.xml') {
    out.end(URLSET_OPEN + fixedPaths.map((p) => urlXml(base, p)).join('') + '</urlset>\n');
    return true;
  }
  const match = /^(martyrs|graves|cemeteries)-([1-9]\d{0,4})\.xml$/.exec(file);
  if (!match) return false;
  const kind = match[1] as SitemapKind;
  const n = Number(match[2]);
  const max = (await maxIds(db))[kind];
  if (n > Math.max(1, Math.ceil(max / URLS_PER_FILE))) return false;
  await write(out, URLSET_OPEN);
  await writeRange(out, db, base, kind, (n - 1) * URLS_PER_FILE + 1, n * URLS_PER_FILE);
  out.end('</urlset>\n');
  return true;
}
