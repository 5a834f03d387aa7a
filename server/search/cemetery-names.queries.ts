/** Cemetery names for the namesake facet (search.service.ts): public reference data, cached by id. */
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/knex.js';

/** Several times the country's cemeteries (about 3,000 at a million graves): all of them fit. */
const cache = new LRUCache<number, string>({ max: 20_000, ttl: 10 * 60_000 });

export async function cemeteryNames(db: Db, ids: number[]): Promise<Map<number, string>> {
  const missing = ids.filter((id) => !cache.has(id));
  if (missing.length) {
    const rows = await db('cemeteries').whereIn('id', missing).select<{ id: number | string; name: string }[]>('id', 'name');
    for (const row of rows) cache.set(Number(row.id), row.name);
  }
  return new Map(ids.flatMap((id) => (cache.has(id) ? [[id, cache.get(id)!] as const] : [])));
}

/**
 * Every cemetery's name at once, before searches ask: otherwise the first searches of a bare name
 * each wait for PostgreSQL, a cemetery or twenty at a time, until the cache has the country.
 */
export async function loadCemeteryNames(db: Db): Promise<void> {
  const rows = await db('cemeteries').select<{ id: number | string; name: string }[]>('id', 'name').limit(cache.max);
  for (const row of rows) cache.set(Number(row.id), row.name);
}
