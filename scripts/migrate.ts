/** `npm run migrate`: prepares PostgreSQL and applies pending migrations and reference data. */
import { loadReferenceData } from '../seeds/reference/load-reference.js';
import { createDb } from '../server/db/knex.js';
import { migrateLatest } from '../server/db/migrate.js';
import { runMain } from '../server/setup/run-main.js';
import { preparePostgresFor } from '../server/setup/postgres.js';

runMain(async (config, logger) => {
  const databaseUrl = await preparePostgresFor(config, logger);
  const db = createDb(databaseUrl, 2, logger);
  try {
    const applied = await migrateLatest(db);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'no pending migrations');
    await loadReferenceData(db, logger);
  } finally {
    await db.destroy();
  }
});
