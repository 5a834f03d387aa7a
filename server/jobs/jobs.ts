/** Every job the portal runs, registered on the queue in one place. */
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { registerRetentionJob } from '../retention/retention.job.js';
import type { Meilisearch } from '../search/client.js';
import { createFileStores } from '../storage/file-stores.js';
import { registerDossierJobs } from '../dossiers/dossier.jobs.js';
import { startJobQueue, type JobQueue } from './job-queue.js';
import { jobSenderOf } from './job-sender.js';

/** Starts the queue with its schedules and workers. */
export async function startJobs(config: Config, db: Db, logger: Logger, meili: Meilisearch): Promise<JobQueue> {
  const queue = await startJobQueue(config.databaseUrl, logger);
  try {
    await registerRetentionJob(queue.boss, db, config, logger);
    await registerDossierJobs(queue.boss, { db, meili, store: createFileStores(config).dossiers, jobs: jobSenderOf(queue.boss), indexUid: config.meiliDossierIndex, logger });
  } catch (error) {
    await queue.stop();
    throw error;
  }
  return queue;
}
