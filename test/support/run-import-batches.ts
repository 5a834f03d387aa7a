/**
 * What the job queue's import sweep does, in a process of its own: claims the batches whose lease
 * lapsed (or that have none) and runs each one's next step. The kill test kills it mid-commit.
 * DATABASE_URL and DATA_DIR as for the portal.
 */
import { createDb } from '../../server/db/knex.js';
import { claimLapsedBatches } from '../../server/imports/imports.queries.js';
import { LEASE_SECONDS } from '../../server/imports/import-run.js';
import { runBatch } from '../../server/imports/import.jobs.js';
import { importThreadOf } from '../../server/imports/import-thread.js';
import { runMain } from '../../server/setup/run-main.js';
import { importFilesOf } from '../../server/storage/file-stores.js';

runMain(async (config, logger) => {
  const db = createDb(config.databaseUrl, 2);
  try {
    // Each step in a thread of its own, as the portal's job runs it: kill -9 takes the thread with the process.
    for (const { id, token } of await claimLapsedBatches(db, LEASE_SECONDS)) await runBatch(db, importFilesOf(config), id, token, logger, importThreadOf(config, { statementTimeout: true }));
  } finally {
    await db.destroy();
  }
});
