/**
 * Counts per key in fixed windows (rate_limit_counters), for limits a crawler meets on every
 * request: one upsert takes the hit and reads this window's and the previous window's counts.
 */
import type { Knex } from '../db/knex.js';

export type WindowCounts = { current: number; previous: number; elapsedSeconds: number };

const COUNT_SQL = `
  WITH bucket AS (
    SELECT to_timestamp(floor(extract(epoch FROM now()) / :w) * :w) AS start
  ), taken AS (
    INSERT INTO rate_limit_counters AS c (key, window_start, hits)
    SELECT :key, start, 1 FROM bucket
    ON CONFLICT (key, window_start) DO UPDATE SET hits = c.hits + 1
    RETURNING hits, window_start
  )
  SELECT taken.hits AS current,
         COALESCE((SELECT p.hits FROM rate_limit_counters p WHERE p.key = :key AND p.window_start = taken.window_start - make_interval(secs => :w)), 0) AS previous,
         extract(epoch FROM now() - taken.window_start) AS elapsed
  FROM taken`;

/** Takes one hit for `key` in its current window of `windowSeconds`; the counts with it. */
export async function countHit(db: Knex, key: string, windowSeconds: number): Promise<WindowCounts> {
  const { rows } = await db.raw<{ rows: { current: number; previous: number; elapsed: string }[] }>(COUNT_SQL, { key, w: windowSeconds });
  const row = rows[0]!;
  return { current: Number(row.current), previous: Number(row.previous), elapsedSeconds: Number(row.elapsed) };
}

/** Gives back the hit a refused request took, so refusals do not push the wait further. */
export async function uncountHit(db: Knex, key: string, windowSeconds: number): Promise<void> {
  await db.raw(
    `UPDATE rate_limit_counters SET hits = hits - 1
     WHERE key = :key AND window_start = to_timestamp(floor(extract(epoch FROM now()) / :w) * :w) AND hits > 0`,
    { key, w: windowSeconds },
  );
}
