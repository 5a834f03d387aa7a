/**
 * Brings the portal up in order: PostgreSQL ready and migrated, reference data loaded, Meilisearch
 * reachable (our own child process unless MEILI_URL is set), then the HTTP server. Shuts down in
 * the reverse order on SIGTERM/SIGINT, letting requests in flight finish.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import { loadReferenceData } from '../seeds/reference/load-reference.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createDb, type Db } from './db/knex.js';
import { migrateLatest } from './db/migrate.js';
import type { Logger } from './logger.js';
import { createMeiliClient, type Meilisearch } from './search/client.js';
import { startMeiliProcess, waitForHealth, type MeiliProcess } from './setup/meilisearch-process.js';
import { preparePostgres } from './setup/postgres.js';

export type Services = {
  db: Db;
  meili: Meilisearch;
  meiliUrl: string;
  meiliProcess: MeiliProcess | undefined;
  close(): Promise<void>;
};

/** PostgreSQL prepared and migrated with reference data, and a Meilisearch that answers. */
export async function startServices(config: Config, logger: Logger): Promise<Services> {
  await preparePostgres({
    databaseUrl: config.databaseUrl,
    mayManageLocalServer: config.databaseIsLocalDefault,
    autoInstall: config.autoInstall,
    logger,
  });
  const db = createDb(config.databaseUrl, config.databasePoolMax, logger);
  try {
    const applied = await migrateLatest(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    await loadReferenceData(db, logger);

    let meiliProcess: MeiliProcess | undefined;
    let meiliUrl: string;
    let meiliKey: string | undefined;
    if (config.meiliUrl) {
      meiliUrl = config.meiliUrl;
      meiliKey = config.meiliMasterKey;
      await waitForHealth(meiliUrl, 30_000);
    } else {
      meiliProcess = await startMeiliProcess({
        dir: path.join(config.dataDir, 'meili'),
        logger,
        maxIndexingMemory: config.meiliMaxIndexingMemory,
        restartOnCrash: true,
      });
      meiliUrl = meiliProcess.url;
      meiliKey = meiliProcess.masterKey;
    }
    const meili = createMeiliClient(meiliUrl, meiliKey);
    return {
      db,
      meili,
      meiliUrl,
      meiliProcess,
      async close() {
        await db.destroy();
        await meiliProcess?.stop();
      },
    };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

export type RunningPortal = { server: Server; services: Services; url: string; stop(): Promise<void> };

/** Starts the HTTP server on the prepared services and wires graceful shutdown to signals. */
export async function listen(config: Config, logger: Logger, services: Services): Promise<RunningPortal> {
  const app = createApp({ config, db: services.db, meili: services.meili, logger });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests still running after this long are cut: a deploy must not hang on one slow client.
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(force);
      await services.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  logger.info({ url }, 'portal listening');
  return { server, services, url, stop };
}
