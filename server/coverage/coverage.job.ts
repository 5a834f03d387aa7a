/**
 * The coverage views recomputed as a job of the queue, on a schedule. The work is
 * refreshCoverageViews (tests call it directly); this names the job, its schedule and its worker.
 * A refresh reads every grave (about 40 s for a million on two busy cores): one runs at a time, and
 * ticks arriving meanwhile leave at most one more waiting (pg-boss's 'stately' policy), never a pile.
 */
import type PgBoss from 'pg-boss';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { refreshCoverageViews } from './coverage-views.queries.js';

export const COVERAGE_JOB = 'coverage-refresh';
/** How often the figures are recomputed; the page says so. */
export const COVERAGE_REFRESH_MINUTES = 15;
/** Off the quarter hours other schedules crowd: minutes 7, 22, 37, 52. */
const COVERAGE_CRON = `7-59/${COVERAGE_REFRESH_MINUTES} * * * *`;

export async function registerCoverageJob(boss: PgBoss, db: Db, logger: Logger): Promise<void> {
  // A refresh is idempotent: a retry after a crash (kill -9 mid-refresh rolls its transaction back)
  // simply computes again.
  await boss.createQueue(COVERAGE_JOB, { name: COVERAGE_JOB, policy: 'stately', retryLimit: 2, retryDelay: 60, expireInSeconds: 1800 });
  await boss.schedule(COVERAGE_JOB, COVERAGE_CRON, {}, { tz: 'Asia/Ho_Chi_Minh' });
  await boss.work(COVERAGE_JOB, async () => {
    const started = Date.now();
    await refreshCoverageViews(db);
    logger.info({ ms: Date.now() - started }, 'coverage figures recomputed');
  });
}
