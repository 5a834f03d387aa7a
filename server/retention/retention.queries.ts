/**
 * The retention purges' SQL: each statement stands alone and is safe to run again (a second run
 * finds nothing left to purge).
 */
import type { Knex } from '../db/knex.js';

/**
 * Sessions that ended (absolute expiry, idle expiry, or sign-out) more than `days` ago. The idle
 * expiry is not stored: last_seen_at plus the configured idle minutes.
 */
export async function deleteEndedSessions(db: Knex, days: number, idleMinutes: number): Promise<number> {
  const result = await db.raw<{ rowCount: number }>(
    `DELETE FROM sessions
     WHERE least(expires_at, last_seen_at + make_interval(mins => ?), coalesce(revoked_at, 'infinity')) < now() - make_interval(days => ?)`,
    [idleMinutes, days],
  );
  return result.rowCount ?? 0;
}

/** Password reset links used or expired more than `days` ago. */
export async function deleteSpentResetTokens(db: Knex, days: number): Promise<number> {
  const result = await db.raw<{ rowCount: number }>(
    `DELETE FROM password_resets WHERE least(expires_at, coalesce(used_at, 'infinity')) < now() - make_interval(days => ?)`,
    [days],
  );
  return result.rowCount ?? 0;
}

/** Sender addresses of submissions older than `days`: the submission itself stays. */
export async function clearOldSenderIps(db: Knex, days: number): Promise<number> {
  const result = await db.raw<{ rowCount: number }>(
    'UPDATE submissions SET sender_ip = NULL WHERE sender_ip IS NOT NULL AND created_at < now() - make_interval(days => ?)',
    [days],
  );
  return result.rowCount ?? 0;
}

/**
 * Identifiers of failed sign-ins older than `days` removed from the audit log, through the one
 * function the append-only trigger lets through; it audits the purge itself.
 */
export async function purgeFailedSignInIdentifiers(db: Knex, days: number): Promise<number> {
  const { rows } = await db.raw<{ rows: { purged: number }[] }>('SELECT purge_failed_sign_in_identifiers(make_interval(days => ?)) AS purged', [days]);
  return Number(rows[0]?.purged ?? 0);
}

/**
 * Rate-limit hits past every window. Their keys can hold what was typed as a sign-in identifier
 * (a name that is no account), so they go as soon as no limit can count them.
 */
export async function deleteSpentRateLimitHits(db: Knex, olderThanSeconds: number): Promise<number> {
  const result = await db.raw<{ rowCount: number }>('DELETE FROM rate_limit_hits WHERE at < now() - make_interval(secs => ?)', [olderThanSeconds]);
  return result.rowCount ?? 0;
}

/** Open-data limit counters (keys hold addresses) of windows that began more than `olderThanSeconds` ago. */
export async function deleteSpentRateLimitCounters(db: Knex, olderThanSeconds: number): Promise<number> {
  const result = await db.raw<{ rowCount: number }>('DELETE FROM rate_limit_counters WHERE window_start < now() - make_interval(secs => ?)', [olderThanSeconds]);
  return result.rowCount ?? 0;
}

/** For the rest of the transaction: no statement timeout (the server pool sets one for requests). */
export async function withoutStatementTimeout(trx: Knex): Promise<void> {
  await trx.raw('SET LOCAL statement_timeout = 0');
}
