/**
 * The retention purge as a daily job of the queue. The work is runRetention (tests call it
 * directly); this only names the job, its schedule and its worker.
 */
import type PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { importFilesOf } from '../storage/file-stores.js';
import { runRetention } from './retention.service.js';

export const RETENTION_JOB = 'retention-purge';
/** Daily at 03:17 Vietnam time: a quiet hour, off the round hour other jobs crowd. */
export const RETENTION_CRON = '17 3 * * *';
const RETENTION_TZ = 'Asia/Ho_Chi_Minh';

export async function registerRetentionJob(boss: PgBoss, db: Db, config: Config, logger: Logger): Promise<void> {
  await boss.createQueue(RETENTION_JOB, { name: RETENTION_JOB, retryLimit: 3, retryDelay: 600, expireInSeconds: 3600 });
  await boss.schedule(RETENTION_JOB, RETENTION_CRON, {}, { tz: RETENTION_TZ });
  await boss.work(RETENTION_JOB, async () => {
    await runRetention(db, config.retention, config.session.idleMinutes, logger, importFilesOf(config));
  });
}
