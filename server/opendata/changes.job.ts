/**
 * The change feed's log pruned daily on the queue: rows older than CHANGE_FEED_RETENTION_DAYS go
 * (pruneChangeFeed; tests call it directly), and the feed answers a cursor before them 410.
 */
import type PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { pruneChangeFeed } from './changes.service.js';

export const CHANGE_FEED_PRUNE_JOB = 'change-feed-prune';
/** Daily at 04:23 Vietnam time: after the national files' build (02:41), off the round hour. */
export const CHANGE_FEED_PRUNE_CRON = '23 4 * * *';
const TZ = 'Asia/Ho_Chi_Minh';

export async function registerChangeFeedPruneJob(boss: PgBoss, db: Db, config: Config, logger: Logger): Promise<void> {
  await boss.createQueue(CHANGE_FEED_PRUNE_JOB, { name: CHANGE_FEED_PRUNE_JOB, retryLimit: 3, retryDelay: 600, expireInSeconds: 3600 });
  await boss.schedule(CHANGE_FEED_PRUNE_JOB, CHANGE_FEED_PRUNE_CRON, {}, { tz: TZ });
  await boss.work(CHANGE_FEED_PRUNE_JOB, async () => {
    const result = await pruneChangeFeed(db, config.openData.changeFeedDays);
    logger.info({ deleted: result.deleted, upTo: result.upTo, keptDays: config.openData.changeFeedDays }, 'change feed pruned');
  });
}
