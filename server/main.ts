/** Starts the portal: services, then the HTTP server. `npm start` adds the demo data first. */
import { listen, startServices } from './portal.js';
import { runMain } from './setup/run-main.js';

runMain(async (config, logger) => {
  const services = await startServices(config, logger);
  await listen(config, logger, services);
});
