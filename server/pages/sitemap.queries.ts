/**
 * What the sitemap lists, read in id order a batch at a time: public martyrs (public_martyrs),
 * graves that have no name yet (identified graves are reached through their martyr's page), cemeteries.
 */
import type { Db } from '../db/knex.js';
import { cemeteryUrl, graveUrl, martyrUrl } from '../records/urls.js';

export type SitemapKind = 'martyrs' | 'graves' | 'cemeteries';
export const SITEMAP_KINDS: readonly SitemapKind[] = ['martyrs', 'graves', 'cemeteries'];

export type SitemapEntry = { id: number; path: string; lastmod: Date };

type Source = { table: string; where: string; columns: string; path(row: Record<string, unknown>): string };

const SOURCES: Record<SitemapKind, Source> = {
  martyrs: { table: 'public_martyrs', where: 'true', columns: 'id, full_name, updated_at', path: (r) => martyrUrl(r.id as number, r.full_name as string) },
  graves: { table: 'public_graves', where: "state <> 'identified'", columns: 'id, updated_at', path: (r) => graveUrl(r.id as number) },
  cemeteries: { table: 'cemeteries', where: 'true', columns: 'id, name, updated_at', path: (r) => cemeteryUrl(r.id as number, r.name as string) },
};

/** The highest id of each kind: sitemap files cover fixed id ranges, so this is all the index needs. */
export async function maxIds(db: Db): Promise<Record<SitemapKind, number>> {
  const { rows } = await db.raw<{ rows: Record<SitemapKind, number | null>[] }>(
    'SELECT (SELECT max(id) FROM public_martyrs) AS martyrs, (SELECT max(id) FROM public_graves) AS graves, (SELECT max(id) FROM cemeteries) AS cemeteries',
  );
  const row = rows[0]!;
  return { martyrs: Number(row.martyrs ?? 0), graves: Number(row.graves ?? 0), cemeteries: Number(row.cemeteries ?? 0) };
}

/** Entries with afterId < id <= lastId, at most `limit`, in id order (keyset paging on the primary key). */
export async function sitemapBatch(db: Db, kind: SitemapKind, afterId: number, lastId: number, limit: number): Promise<SitemapEntry[]> {
  const source = SOURCES[kind];
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT ${source.columns} FROM ${source.table} WHERE ${source.where} AND id > ? AND id <= ? ORDER BY id LIMIT ?`,
    [afterId, lastId, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), path: source.path(r), lastmod: r.updated_at as Date }));
}
