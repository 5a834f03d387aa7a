/**
 * Limits counted per key and window in PostgreSQL (every app server sees the same numbers), taken
 * atomically: the keys are locked for the transaction, then one statement counts and inserts.
 */
import { readFileSync } from 'node:fs';
import type { Knex } from '../db/knex.js';

const TAKE_HITS_SQL = readFileSync(new URL('./take-hits.sql', import.meta.url), 'utf8');

/** Hits older than this are pruned; it is well beyond the longest window in use. */
const KEEP_HITS_HOURS = 24;

export type Limit = { key: string; max: number; windowSeconds: number };

export type HitResult = { ok: true; hitIds: number[] } | { ok: false; retryAfterSeconds: number };

async function run(db: Knex, limits: Limit[], take: boolean): Promise<HitResult> {
  const keys = limits.map((l) => l.key);
  if (take) {
    // Always in the same order, so that two requests locking the same two keys cannot deadlock.
    for (const key of [...new Set(keys)].sort()) await db.raw(`SELECT pg_advisory_xact_lock(hashtext('rate_limit_hits'), hashtext(?))`, [key]);
  }
  const { rows } = await db.raw<{ rows: { wait: number | null; ids: (number | string)[] | null }[] }>(TAKE_HITS_SQL, [keys, limits.map((l) => l.max), limits.map((l) => l.windowSeconds), take]);
  const { wait, ids } = rows[0]!;
  if (wait !== null) return { ok: false, retryAfterSeconds: Number(wait) };
  return { ok: true, hitIds: (ids ?? []).map(Number) };
}

/**
 * Takes one hit on every limit if all have room, else none. Must run inside a transaction: the
 * locks last until it ends, and a rollback gives the hits back (what a failed submission wants).
 */
export async function takeHits(trx: Knex.Transaction, limits: Limit[]): Promise<HitResult> {
  const result = await run(trx, limits, true);
  if (result.ok) await trx.raw(`DELETE FROM rate_limit_hits WHERE at < now() - make_interval(hours => ?)`, [KEEP_HITS_HOURS]);
  return result;
}

/** Whether the limits have room now, taking nothing and locking nothing: a cheap early refusal before costly work. */
export function peekHits(db: Knex, limits: Limit[]): Promise<HitResult> {
  return run(db, limits, false);
}

/** Gives hits back (a sign-in that succeeded is not a failure). */
export async function returnHits(db: Knex, hitIds: number[]): Promise<void> {
  if (hitIds.length) await db('rate_limit_hits').whereIn('id', hitIds).del();
}
