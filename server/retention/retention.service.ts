/**
 * Retention: personal data kept for a purpose is removed once the purpose is over. Sessions and
 * reset links once ended; submission sender addresses once older than any rate-limit window needs;
 * failed sign-in identifiers in the audit log after a month. Run daily by the job queue
 * (retention.job.ts); each step is idempotent, so a run cut short is finished by the next.
 */
import type { RetentionPeriods } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { clearOldSenderIps, deleteEndedSessions, deleteSpentResetTokens, purgeFailedSignInIdentifiers } from './retention.queries.js';

export type RetentionResult = { sessions: number; resetTokens: number; senderIps: number; failedSignInIdentifiers: number };

export async function runRetention(db: Db, periods: RetentionPeriods, sessionIdleMinutes: number, logger: Logger): Promise<RetentionResult> {
  const result: RetentionResult = {
    sessions: await deleteEndedSessions(db, periods.sessionDays, sessionIdleMinutes),
    resetTokens: await deleteSpentResetTokens(db, periods.resetTokenDays),
    senderIps: await clearOldSenderIps(db, periods.senderIpDays),
    failedSignInIdentifiers: await purgeFailedSignInIdentifiers(db, periods.failedSignInDays),
  };
  logger.info(result, 'retention purge done');
  return result;
}
