/**
 * Retention: personal data kept for a purpose is removed once the purpose is over. Sessions and
 * reset links once ended; submission sender addresses once older than any rate-limit window needs;
 * failed sign-in identifiers in the audit log after a month; rate-limit hits and counters once past every window;
 * a provincial upload, its staged rows and its rejects workbook a month after the batch last moved. Run daily by the job queue
 * (retention.job.ts); each step is idempotent, so a run cut short is finished by the next.
 */
import type { RetentionPeriods } from '../config.js';
import type { Db, Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { ImportFiles } from '../imports/import-run.js';
import { expireImportFiles } from '../imports/imports.service.js';
import { clearOldSenderIps, withoutStatementTimeout, deleteEndedSessions, deleteSpentRateLimitCounters, deleteSpentRateLimitHits, deleteSpentResetTokens, purgeFailedSignInIdentifiers } from './retention.queries.js';

/** Longer than any limit's window (sign-in 15 minutes, submissions and downloads an hour), so no count changes. */
export const RATE_LIMIT_HITS_KEPT_SECONDS = 24 * 3600;

export type RetentionResult = { sessions: number; resetTokens: number; senderIps: number; failedSignInIdentifiers: number; rateLimitHits: number; rateLimitCounters: number; importUploads: number; importBatches: number };

/**
 * Each step in a short transaction of its own, without the server pool's statement timeout: a
 * purge is not a request, and a first run over years of audit log may well outlast it.
 */
const unbounded = <T>(db: Db, step: (trx: Knex) => Promise<T>): Promise<T> =>
  db.transaction(async (trx) => {
    await withoutStatementTimeout(trx);
    return step(trx);
  });

export async function runRetention(db: Db, periods: RetentionPeriods, sessionIdleMinutes: number, logger: Logger, importFiles: ImportFiles): Promise<RetentionResult> {
  const result: RetentionResult = {
    sessions: await unbounded(db, (trx) => deleteEndedSessions(trx, periods.sessionDays, sessionIdleMinutes)),
    resetTokens: await unbounded(db, (trx) => deleteSpentResetTokens(trx, periods.resetTokenDays)),
    senderIps: await unbounded(db, (trx) => clearOldSenderIps(trx, periods.senderIpDays)),
    failedSignInIdentifiers: await unbounded(db, (trx) => purgeFailedSignInIdentifiers(trx, periods.failedSignInDays)),
    rateLimitHits: await unbounded(db, (trx) => deleteSpentRateLimitHits(trx, RATE_LIMIT_HITS_KEPT_SECONDS)),
    rateLimitCounters: await unbounded(db, (trx) => deleteSpentRateLimitCounters(trx, RATE_LIMIT_HITS_KEPT_SECONDS)),
    importUploads: 0,
    importBatches: 0,
  };
  // Last, and on its own: a file the purge cannot remove (its permissions) must not keep the
  // personal data above from being purged; the job fails, and is retried, after the rest is done.
  let failure: unknown;
  try {
    const imports = await expireImportFiles(db, importFiles, periods.importFileDays);
    result.importUploads = imports.uploads;
    result.importBatches = imports.batches;
  } catch (error) {
    failure = error;
    logger.error({ err: error }, 'retention of import files failed');
  }
  logger.info(result, 'retention purge done');
  if (failure) throw failure;
  return result;
}
