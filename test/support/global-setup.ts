/**
 * Once per test run: a throwaway PostgreSQL database (random name), migrated and loaded with the
 * reference data, kept as a template so a test can clone a fresh copy in a second; and a
 * Meilisearch of its own on a free port with a temporary data folder. Both are removed at the end.
 * Tests never touch the development database. The web assets are built here, once, so no test
 * rebuilds them while another reads them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadReferenceData } from '../../seeds/reference/load-reference.js';
import { DEFAULT_DATABASE_URL, loadConfig } from '../../server/config.js';
import { createDb } from '../../server/db/knex.js';
import { migrateLatest } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { startMeiliProcess } from '../../server/setup/meilisearch-process.js';
import { preparePostgres } from '../../server/setup/postgres.js';
import { buildWeb, describeBuild } from '../../scripts/build-web.js';
import { withDatabase } from './database-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL of the test PostgreSQL (any database name): tests add their own. */
    pgServerUrl: string;
    /** The migrated template database with reference data; clone it, never write to it. */
    templateDatabase: string;
    meiliUrl: string;
    meiliKey: string;
    meiliDir: string;
  }
}

export default async function setup(project: TestProject) {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  console.log(describeBuild(await buildWeb()));
  const givenUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const template = `mls_test_${runId}_template`;
  // With no server given, the same local cluster and access as `npm start` (POSTGRES_CLUSTER, the password kept in DATA_DIR).
  const config = loadConfig();
  const templateUrl = await preparePostgres({
    databaseUrl: withDatabase(givenUrl ?? DEFAULT_DATABASE_URL, template),
    mayManageLocalServer: givenUrl === undefined,
    autoInstall: true,
    dataDir: config.dataDir,
    cluster: config.postgresCluster,
    logger,
  });
  const serverUrl = withDatabase(templateUrl, 'postgres');

  const dropDatabases = async () => {
    const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`mls_test_${runId}_%`]);
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    }
    await admin.end();
  };

  const db = createDb(templateUrl, 2, logger);
  try {
    await migrateLatest(db);
    await loadReferenceData(db, logger);
  } catch (error) {
    await db.destroy();
    await dropDatabases();
    throw error;
  }
  await db.destroy();

  const meiliDir = await mkdtemp(path.join(os.tmpdir(), 'mls-meili-'));
  let meili: Awaited<ReturnType<typeof startMeiliProcess>>;
  try {
    meili = await startMeiliProcess({ dir: meiliDir, logger, maxIndexingMemory: '2GiB', restartOnCrash: false });
  } catch (error) {
    await rm(meiliDir, { recursive: true, force: true });
    await dropDatabases();
    throw error;
  }

  project.provide('pgServerUrl', serverUrl);
  project.provide('templateDatabase', template);
  project.provide('meiliUrl', meili.url);
  project.provide('meiliKey', meili.masterKey);
  project.provide('meiliDir', meiliDir);

  return async () => {
    await meili.stop();
    await rm(meiliDir, { recursive: true, force: true });
    await dropDatabases();
  };
}
