/** Every job the portal runs, registered on the queue in one place. */
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { registerCoverageJob } from '../coverage/coverage.job.js';
import { registerDossierJobs } from '../dossiers/dossier.jobs.js';
import { registerFamilyMatchingJob } from '../families/matching.job.js';
import { registerImportJobs } from '../imports/import.jobs.js';
import { importThreadOf } from '../imports/import-thread.js';
import { registerNotifyJobs } from '../notify/notify.job.js';
import { registerChangeFeedPruneJob } from '../opendata/changes.job.js';
import { registerOpenDataJob } from '../opendata/opendata.job.js';
import { registerRetentionJob } from '../retention/retention.job.js';
import type { Meilisearch } from '../search/client.js';
import type { SearchDeps } from '../search/search.service.js';
import { createFileStores, importFilesOf } from '../storage/file-stores.js';
import { startJobQueue, type JobQueue } from './job-queue.js';
import { jobSenderOf } from './job-sender.js';

/**
 * Starts the queue with its schedules and workers: `meili` holds the staff-only dossier index;
 * `search` lets saved searches be asked of the public index.
 */
export async function startJobs(config: Config, db: Db, logger: Logger, meili: Meilisearch, search?: SearchDeps): Promise<JobQueue> {
  const queue = await startJobQueue(config.databaseUrl, logger);
  // Workers that keep timers of their own beside the queue's; stopped before the queue.
  const stops: (() => void | Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
    await queue.stop();
  };
  try {
    await registerRetentionJob(queue.boss, db, config, logger);
    stops.push(await registerImportJobs(queue.boss, db, importFilesOf(config), logger, importThreadOf(config, { statementTimeout: true })));
    await registerOpenDataJob(queue.boss, db, config, logger);
    await registerChangeFeedPruneJob(queue.boss, db, config, logger);
    await registerFamilyMatchingJob(queue.boss, db, logger);
    stops.push(await registerNotifyJobs(queue.boss, db, config, logger, search));
    await registerCoverageJob(queue.boss, db, logger);
    await registerDossierJobs(queue.boss, { db, meili, store: createFileStores(config).dossiers, jobs: jobSenderOf(queue.boss), indexUid: config.meiliDossierIndex, logger });
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { boss: queue.boss, stop: stopAll };
}
