/**
 * Sign-in throttling, per account identifier and per address, counted in PostgreSQL so that every
 * app server sees the same numbers. The answer never says whether the account exists.
 */
import type { Db } from '../db/knex.js';

export const WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

/** Seconds until another attempt is allowed, or 0 when one is allowed now. */
export async function signInWait(db: Db, identifier: string, ip: string | null): Promise<number> {
  const { rows } = await db.raw<{ rows: { wait: number | null }[] }>(
    `WITH recent AS (
       SELECT identifier, ip, at FROM sign_in_failures
       WHERE at > now() - make_interval(mins => ?) AND (identifier = ? OR ip = ?)
     ),
     account AS (SELECT at FROM recent WHERE identifier = ? ORDER BY at DESC OFFSET ? - 1 LIMIT 1),
     address AS (SELECT at FROM recent WHERE ip = ? ORDER BY at DESC OFFSET ? - 1 LIMIT 1)
     SELECT ceil(extract(epoch FROM greatest(
       (SELECT at FROM account), (SELECT at FROM address)
     ) + make_interval(mins => ?) - now())) AS wait`,
    [WINDOW_MINUTES, identifier, ip, identifier, MAX_FAILURES_PER_ACCOUNT, ip, MAX_FAILURES_PER_ADDRESS, WINDOW_MINUTES],
  );
  return Math.max(0, Number(rows[0]?.wait ?? 0));
}

export async function recordSignInFailure(db: Db, identifier: string, ip: string | null): Promise<void> {
  await db('sign_in_failures').insert({ identifier, ip });
  // Keep the table small: what is older than the window no longer counts.
  await db.raw(`DELETE FROM sign_in_failures WHERE at < now() - make_interval(mins => ?) * 4`, [WINDOW_MINUTES]);
}
