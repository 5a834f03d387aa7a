/**
 * A separate worker process running only the dossier jobs, for the kill -9 test: the same code as
 * the server's queue (server/dossiers/dossier.jobs.ts) on DATABASE_URL, DATA_DIR and the
 * Meilisearch of MEILI_URL. Prints "ready" once its workers poll.
 */
import { registerDossierJobs } from '../../server/dossiers/dossier.jobs.js';
import { loadConfig } from '../../server/config.js';
import { createDb } from '../../server/db/knex.js';
import { startJobQueue } from '../../server/jobs/job-queue.js';
import { jobSenderOf } from '../../server/jobs/job-sender.js';
import { createLogger } from '../../server/logger.js';
import { createMeiliClient } from '../../server/search/client.js';
import { createFileStores } from '../../server/storage/file-stores.js';

const config = loadConfig();
const logger = createLogger('silent');
const db = createDb(config.databaseUrl, 2, logger);
const queue = await startJobQueue(config.databaseUrl, logger, { schedule: false });
await registerDossierJobs(queue.boss, {
  db, meili: createMeiliClient(config.meiliUrl!, config.meiliMasterKey), store: createFileStores(config).dossiers, jobs: jobSenderOf(queue.boss), indexUid: config.meiliDossierIndex, logger,
});
console.log('ready');
