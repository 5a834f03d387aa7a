/**
 * `npm run build:open-data`: builds the national open-data files now (what the daily job does),
 * for a first deployment or before a benchmark, so a server's first start does not build them
 * while it is being measured.
 */
import { buildNationalFiles } from '../server/opendata/downloads.service.js';
import { startServices } from '../server/portal.js';
import { runMain } from '../server/setup/run-main.js';

runMain(async (config, logger) => {
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  try {
    const result = await buildNationalFiles(services.db, config.dataDir, config.publicBaseUrl ?? '', logger);
    console.log(`built ${result.files.length} open-data files in ${result.seconds} s${result.skipped ? ' (another build was running: skipped)' : ''}`);
  } finally {
    await services.close();
  }
});
