/** Every job the portal runs, registered on the queue in one place. */
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { registerNotifyJobs } from '../notify/notify.job.js';
import { registerRetentionJob } from '../retention/retention.job.js';
import type { SearchDeps } from '../search/search.service.js';
import { startJobQueue, type JobQueue } from './job-queue.js';

/** Starts the queue with its schedules and workers; `search` lets saved searches be asked of the index. */
export async function startJobs(config: Config, db: Db, logger: Logger, search?: SearchDeps): Promise<JobQueue> {
  const queue = await startJobQueue(config.databaseUrl, logger);
  try {
    await registerRetentionJob(queue.boss, db, config, logger);
    const stopNotify = await registerNotifyJobs(queue.boss, db, config, logger, search);
    return {
      boss: queue.boss,
      async stop() {
        await stopNotify();
        await queue.stop();
      },
    };
  } catch (error) {
    await queue.stop();
    throw error;
  }
}
