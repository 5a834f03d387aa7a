/**
 * `npm run reindex`: rebuilds the search index from PostgreSQL into a new index and swaps it in,
 * with no downtime. Works beside a running server (it uses that server's Meilisearch).
 */
import { reindex } from '../server/search/reindex.js';
import { drainOnce } from '../server/search/outbox-drain.js';
import { startServices } from '../server/portal.js';
import { runMain } from '../server/setup/run-main.js';

runMain(async (config, logger) => {
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  try {
    let last = 0;
    const result = await reindex(services.db, services.meili, config.meiliIndex, logger, (documents) => {
      if (documents - last >= 100_000) {
        last = documents;
        logger.info({ documents }, 'indexing');
      }
    });
    // Replayed changes go out now; a running server's drain would send them too (each row once).
    while ((await drainOnce(services.db, services.meili, config.meiliIndex, logger)) > 0);
    console.log(`reindexed ${result.documents} documents (${result.martyrs} martyrs, ${result.graves} graves) in ${(result.ms / 1000).toFixed(1)} s, ${result.docsPerSecond} documents/s`);
  } finally {
    await services.close();
  }
});
