/**
 * Retention: personal data kept for a purpose is removed once the purpose is over. Sessions and
 * reset links once ended; submission sender addresses once older than any rate-limit window needs;
 * failed sign-in identifiers in the audit log after a month; rate-limit hits once past every window. Run daily by the job queue
 * (retention.job.ts); each step is idempotent, so a run cut short is finished by the next.
 */
import type { RetentionPeriods } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { clearOldSenderIps, deleteEndedSessions, deleteSpentRateLimitHits, deleteSpentResetTokens, purgeFailedSignInIdentifiers } from './retention.queries.js';

/** Longer than any limit's window (sign-in 15 minutes, submissions an hour), so no count changes. */
export const RATE_LIMIT_HITS_KEPT_SECONDS = 24 * 3600;

export type RetentionResult = { sessions: number; resetTokens: number; senderIps: number; failedSignInIdentifiers: number; rateLimitHits: number };

export async function runRetention(db: Db, periods: RetentionPeriods, sessionIdleMinutes: number, logger: Logger): Promise<RetentionResult> {
  const result: RetentionResult = {
    sessions: await deleteEndedSessions(db, periods.sessionDays, sessionIdleMinutes),
    resetTokens: await deleteSpentResetTokens(db, periods.resetTokenDays),
    senderIps: await clearOldSenderIps(db, periods.senderIpDays),
    failedSignInIdentifiers: await purgeFailedSignInIdentifiers(db, periods.failedSignInDays),
    rateLimitHits: await deleteSpentRateLimitHits(db, RATE_LIMIT_HITS_KEPT_SECONDS),
  };
  logger.info(result, 'retention purge done');
  return result;
}
