/** Every job the portal runs, registered on the queue in one place. */
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { registerCoverageJob } from '../coverage/coverage.job.js';
import { registerRetentionJob } from '../retention/retention.job.js';
import { startJobQueue, type JobQueue } from './job-queue.js';

/** Starts the queue with its schedules and workers. */
export async function startJobs(config: Config, db: Db, logger: Logger): Promise<JobQueue> {
  const queue = await startJobQueue(config.databaseUrl, logger);
  try {
    await registerRetentionJob(queue.boss, db, config, logger);
    await registerCoverageJob(queue.boss, db, logger);
  } catch (error) {
    await queue.stop();
    throw error;
  }
  return queue;
}
