/**
 * Totals of the public lists, counted once a minute rather than once per page: a count(*) over a
 * million rows on every page of /api/martyrs cost more than the page itself. One cache per
 * database handle (so two apps on two databases never share totals), and concurrent requests for
 * the same total wait for one count. It is only a cache: several instances may each keep their own.
 */
import { LRUCache } from 'lru-cache';
import type { Knex } from 'knex';

/** How old a list total may be. */
export const COUNT_TTL_MS = 60_000;

type Counter = () => Promise<number>;
const caches = new WeakMap<Knex, LRUCache<string, number, Counter>>();

function cacheOf(db: Knex): LRUCache<string, number, Counter> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new LRUCache<string, number, Counter>({ max: 1_000, ttl: COUNT_TTL_MS, fetchMethod: (_key, _stale, { context }) => context() });
    caches.set(db, cache);
  }
  return cache;
}

/** The total under `key`, counted by `count` when missing or older than COUNT_TTL_MS. */
export async function cachedCount(db: Knex, key: string, count: Counter): Promise<number> {
  return (await cacheOf(db).fetch(key, { context: count })) ?? count();
}

/**
 * One value loaded at most once per `ttlMs` for a whole process (a page's counts, a list of
 * provinces): callers arriving while it loads wait for that load rather than each starting their
 * own, and a failed load is not kept.
 */
export function cachedFor<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const value = load();
      const entry = { at: Date.now(), value };
      cached = entry;
      value.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.value;
  };
}
