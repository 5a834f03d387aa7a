/**
 * What a test file uses to reach real services: a fresh database cloned from the run's migrated
 * template (its own, so tests never see each other's rows), the run's Meilisearch, and an app
 * built on them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { createDb, type Db } from '../../server/db/knex.js';
import { createLogger } from '../../server/logger.js';
import { loadProvinceCatalogue, type ProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { createMeiliClient, type Meilisearch } from '../../server/search/client.js';
import { withDatabase } from './database-url.js';

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(inject('pgServerUrl'), 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export type TestDatabase = { db: Db; url: string; name: string; drop(): Promise<void> };

async function newDatabase(label: string, template: string): Promise<TestDatabase> {
  const run = inject('templateDatabase').replace(/_template$/, '');
  const name = `${run}_${label.replace(/\W/g, '').slice(0, 16)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)} ENCODING 'UTF8'`));
  const url = withDatabase(inject('pgServerUrl'), name);
  const db = createDb(url, 4, silentLogger);
  return {
    db,
    url,
    name,
    async drop() {
      await db.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}

/** A new database with the schema and reference data, cloned from the run's template. */
export function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  return newDatabase(label, inject('templateDatabase'));
}

/** An empty database with no schema at all (for migration tests). */
export function createEmptyDatabase(label = 'empty'): Promise<TestDatabase> {
  return newDatabase(label, 'template0');
}

export function testMeili(): Meilisearch {
  return createMeiliClient(inject('meiliUrl'), inject('meiliKey'));
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MEILI_URL: inject('meiliUrl'), MEILI_MASTER_KEY: inject('meiliKey'), ...overrides });
}

export const silentLogger = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

/** The Express app on a test database and the run's Meilisearch. */
export async function testApp(db: Db, options: { meili?: Meilisearch; config?: Config; provinces?: ProvinceCatalogue } = {}) {
  const config = options.config ?? testConfig();
  return createApp({
    config,
    db,
    meili: options.meili ?? testMeili(),
    provinces: options.provinces ?? (await loadProvinceCatalogue(db)),
    logger: silentLogger,
  });
}
