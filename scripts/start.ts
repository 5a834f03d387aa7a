/**
 * `npm start`: the portal with demo data. Prepares the services, loads DEMO_GRAVES demo graves
 * when the database has none (a second start reuses them), then serves.
 */
import { photosDirOf } from '../server/storage/file-stores.js';
import { databaseHasGraves, seedDemo } from '../seeds/demo/seed-demo.js';
import { indexNeedsRebuild, listen, startServices } from '../server/portal.js';
import { reindex } from '../server/search/reindex.js';
import { runMain } from '../server/setup/run-main.js';

runMain(async (config, logger) => {
  const services = await startServices(config, logger);
  try {
    if (config.demoGraves > 0 && !(await databaseHasGraves(services.db))) {
      logger.info({ graves: config.demoGraves, seed: config.demoSeed }, 'the database has no graves: loading demo data');
      const summary = await seedDemo(services.db, logger, {
        graves: config.demoGraves,
        seed: config.demoSeed,
        photosDir: photosDirOf(config),
        onProgress: (message: string) => logger.info(message),
      });
      logger.info(summary, 'demo data loaded');
    }
    // Build the index before serving, so the first search a visitor makes finds the demo records.
    if (await indexNeedsRebuild(services, config)) await reindex(services.db, services.meili, config.meiliIndex, logger);
  } catch (error) {
    await services.close();
    throw error;
  }
  await listen(config, logger, services);
});
