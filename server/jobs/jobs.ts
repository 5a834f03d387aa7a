/** Every job the portal runs, registered on the queue in one place. */
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { registerFamilyMatchingJob } from '../families/matching.job.js';
import { registerImportJobs } from '../imports/import.jobs.js';
import { registerOpenDataJob } from '../opendata/opendata.job.js';
import { registerRetentionJob } from '../retention/retention.job.js';
import { importFilesOf } from '../storage/file-stores.js';
import { startJobQueue, type JobQueue } from './job-queue.js';

/** Starts the queue with its schedules and workers. */
export async function startJobs(config: Config, db: Db, logger: Logger): Promise<JobQueue> {
  const queue = await startJobQueue(config.databaseUrl, logger);
  // Workers that keep timers of their own beside the queue's; stopped before the queue.
  const stops: (() => void | Promise<void>)[] = [];
  try {
    await registerRetentionJob(queue.boss, db, config, logger);
    stops.push(await registerImportJobs(queue.boss, db, importFilesOf(config), logger));
    await registerOpenDataJob(queue.boss, db, config, logger);
    await registerFamilyMatchingJob(queue.boss, db, logger);
  } catch (error) {
    for (const stop of stops) await stop();
    await queue.stop();
    throw error;
  }
  return {
    boss: queue.boss,
    async stop() {
      for (const stop of stops) await stop();
      await queue.stop();
    },
  };
}
