/**
 * Brings the portal up in order: PostgreSQL ready and migrated, reference data loaded, Meilisearch
 * reachable (our own child process unless MEILI_URL is set), then the HTTP server. Shuts down in
 * the reverse order on SIGTERM/SIGINT, letting requests in flight finish.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import type { IndexStats } from 'meilisearch';
import { loadReferenceData } from '../seeds/reference/load-reference.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createDb, type Db } from './db/knex.js';
import { startJobs } from './jobs/jobs.js';
import { jobSenderOf } from './jobs/job-sender.js';
import { migrateLatest } from './db/migrate.js';
import type { Logger } from './logger.js';
import { loadProvinceCatalogue, type ProvinceCatalogue } from './places/province-catalogue.js';
import { createMeiliClient, type Meilisearch } from './search/client.js';
import { anyRecords } from './search/index-state.queries.js';
import { ensureIndex, indexExists } from './search/index-writer.js';
import { startOutboxDrain, type OutboxDrain } from './search/outbox-drain.js';
import { reindex } from './search/reindex.js';
import { runningMeiliProcess, startMeiliProcess, waitForHealth, type MeiliProcess } from './setup/meilisearch-process.js';
import { preparePostgresFor } from './setup/postgres.js';

export type Services = {
  db: Db;
  /** The URL set-up settled on (the local cluster's port and the project's password when it manages it). */
  databaseUrl: string;
  meili: Meilisearch;
  meiliUrl: string;
  /** The key the client uses; other processes of a run (benchmarks) are handed it. */
  meiliKey: string | undefined;
  meiliProcess: MeiliProcess | undefined;
  provinces: ProvinceCatalogue;
  close(): Promise<void>;
};

type ServiceOptions = {
  /** Commands run beside a server (reindex, bench) use the Meilisearch that server started. */
  reuseRunningMeili?: boolean;
};

/** PostgreSQL prepared and migrated with reference data, and a Meilisearch that answers with the index set up. */
export async function startServices(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<Services> {
  const databaseUrl = await preparePostgresFor(config, logger);
  const db = createDb(databaseUrl, config.databasePoolMax, logger, { acquireMs: config.databaseAcquireTimeoutMs, statementMs: config.databaseStatementTimeoutMs });
  try {
    const applied = await migrateLatest(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    await loadReferenceData(db, logger);

    let meiliProcess: MeiliProcess | undefined;
    let meiliUrl: string;
    let meiliKey: string | undefined;
    const meiliDir = path.join(config.dataDir, 'meili');
    const running = !config.meiliUrl && options.reuseRunningMeili ? await runningMeiliProcess(meiliDir) : undefined;
    if (config.meiliUrl) {
      meiliUrl = config.meiliUrl;
      meiliKey = config.meiliMasterKey;
      await waitForHealth(meiliUrl, 30_000);
    } else if (running) {
      meiliUrl = running.url;
      meiliKey = running.masterKey;
    } else {
      meiliProcess = await startMeiliProcess({
        dir: meiliDir,
        logger,
        maxIndexingMemory: config.meiliMaxIndexingMemory,
        restartOnCrash: true,
      });
      meiliUrl = meiliProcess.url;
      meiliKey = meiliProcess.masterKey;
    }
    const meili = createMeiliClient(meiliUrl, meiliKey);
    // An index built by an older version keeps its settings until the rebuild (listen) swaps a new
    // one in: today's settings on its documents (a searchable attribute they lack) would leave it
    // finding nothing meanwhile, and make Meilisearch re-index every document for nothing.
    if (!(await builtByOlderVersion(meili, config.meiliIndex))) await ensureIndex(meili, config.meiliIndex);
    const provinces = await loadProvinceCatalogue(db);
    return {
      db,
      databaseUrl,
      meili,
      meiliUrl,
      meiliKey,
      meiliProcess,
      provinces,
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

/** Fields every current search document has; an index without them was built by an older version. */
const CURRENT_DOCUMENT_FIELDS = ['lat', 'cemeteryWords', 'names', 'provinceKeys'];

/** Documents written by an older version of the portal lack fields this one searches or filters on. */
const writtenByOlderVersion = (stats: IndexStats) =>
  stats.numberOfDocuments > 0 && CURRENT_DOCUMENT_FIELDS.some((field) => !stats.fieldDistribution[field]);

async function builtByOlderVersion(meili: Meilisearch, uid: string): Promise<boolean> {
  return (await indexExists(meili, uid)) && writtenByOlderVersion(await meili.index(uid).getStats());
}

/**
 * An index with no documents while PostgreSQL has records (first start, a new Meilisearch, a
 * dropped index), or one built by an older version, is rebuilt in full; otherwise the outbox keeps
 * it in step.
 */
export async function indexNeedsRebuild(services: Services, config: Config): Promise<boolean> {
  const stats = await services.meili.index(config.meiliIndex).getStats();
  if (stats.numberOfDocuments > 0) return writtenByOlderVersion(stats);
  return anyRecords(services.db);
}

export type RunningPortal = { server: Server; services: Services; url: string; stop(): Promise<void> };

/**
 * Starts the outbox drain, the job queue and the HTTP server on the prepared services, rebuilding
 * an empty index in the background, and wires graceful shutdown to signals.
 */
export async function listen(config: Config, logger: Logger, services: Services): Promise<RunningPortal> {
  const drain: OutboxDrain = startOutboxDrain(services.db, services.meili, config.meiliIndex, logger, { maxAttempts: config.outboxMaxAttempts });
  // The queue's own connections go where the pool's do: the prepared URL (the local cluster's port
  // and its generated password), not the unprepared default of the config.
  const jobs = await startJobs({ ...config, databaseUrl: services.databaseUrl }, services.db, logger, services.meili, { db: services.db, meili: services.meili, indexUid: config.meiliIndex, provinces: services.provinces, logger });
  if (await indexNeedsRebuild(services, config)) {
    logger.info('the search index is empty: rebuilding it from PostgreSQL in the background');
    reindex(services.db, services.meili, config.meiliIndex, logger).catch((error: unknown) => logger.error({ err: error }, 'search index rebuild failed'));
  }
  const app = createApp({ config, db: services.db, meili: services.meili, provinces: services.provinces, logger, jobs: jobSenderOf(jobs.boss) });
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
      await drain.stop();
      await jobs.stop();
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
