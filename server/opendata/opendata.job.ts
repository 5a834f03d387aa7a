/**
 * The national open-data files as a scheduled job of the queue (the work is buildNationalFiles;
 * tests call it directly). A first start with no files queues one build, a minute later. Builds take
 * an advisory lock: a second server's run while one builds does nothing.
 */
import type PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { buildNationalFiles, nationalFilesMissing } from './downloads.service.js';

export const OPEN_DATA_JOB = 'open-data-build';
const OPEN_DATA_TZ = 'Asia/Ho_Chi_Minh';
const FIRST_BUILD_DELAY_SECONDS = 60;

export async function registerOpenDataJob(boss: PgBoss, db: Db, config: Config, logger: Logger): Promise<void> {
  await boss.createQueue(OPEN_DATA_JOB, { name: OPEN_DATA_JOB, retryLimit: 3, retryDelay: 300, expireInSeconds: 3 * 3600 });
  await boss.schedule(OPEN_DATA_JOB, config.openData.buildCron, {}, { tz: OPEN_DATA_TZ });
  await boss.work(OPEN_DATA_JOB, async () => {
    const result = await buildNationalFiles(db, config.dataDir, config.publicBaseUrl ?? '', logger);
    logger.info({ files: result.files.length, seconds: result.seconds, skipped: result.skipped }, 'open-data files built');
  });
  // A minute after start: the start itself (migrations, a first index rebuild) comes first.
  if (await nationalFilesMissing(db)) await boss.send(OPEN_DATA_JOB, {}, { startAfter: FIRST_BUILD_DELAY_SECONDS, singletonKey: 'first-build' });
}
